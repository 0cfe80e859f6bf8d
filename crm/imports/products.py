"""Products (the catalog) as an import kind: validated by the product form, saved by
``product_save``. Duplicates are found by SKU (case ignored)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from crm.forms import ProductForm
from crm.imports.kinds import ImportField, ImportKind
from crm.models import Product
from crm.services import product_save

FALSE_WORDS = {"0", "no", "n", "false", "f", "inactive", "nein", "tidak"}


def _form(*, company, data, instance, user=None):
    if data is not None:
        data = dict(data)
        active = data.get("is_active")
        if active is None:
            # An unmapped column keeps the record's value, or makes a new product active.
            active = instance.is_active if instance is not None else True
        elif isinstance(active, str):
            active = active.strip().lower() not in FALSE_WORDS
        data["is_active"] = "on" if active else ""
        if not data.get("vat_rate") and instance is None:
            data["vat_rate"] = str(company.default_vat_rate)
    return ProductForm(data=data, company=company, instance=instance, user=user)


def _save(*, form, actor):
    return product_save(product=form.save(commit=False))


PRODUCT_IMPORT = ImportKind(
    key="products",
    label=_("Products"),
    model=Product,
    fields=[
        ImportField("sku", _("SKU"), ("article number", "item number", "code"), required=True),
        ImportField("name", _("Name"), ("product", "product name"), required=True),
        ImportField("description", _("Description"), ()),
        ImportField("unit_price", _("Unit price"), ("price", "net price"), decimal=True),
        ImportField("vat_rate", _("VAT rate"), ("vat", "tax rate"), decimal=True),
        ImportField("is_active", _("Active"), ("enabled",)),
    ],
    make_form=_form,
    save=_save,
    match_field="sku",
    match_label=_("SKU"),
    list_url="crm:product_list",
)
