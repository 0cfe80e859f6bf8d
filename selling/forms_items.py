"""The lines form of a draft quotation or order: one formset, shared by both document kinds.

The formset validates each row; ``selling.services.document_lines_save`` writes all of them or
none. Product choices are the active company's active products that the document's party may
buy (``customers.selectors.ProductLimits``), loaded once for the whole formset (a catalog select
per row must not cost a query per row); a line that already uses a product that has since been
deactivated, or that the party may no longer buy, keeps it.
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from crm.models import Company, Product
from crm.ui.numbers import LocalDecimalField
from customers.selectors import Buyer, ProductLimits
from selling import pricing
from selling.services import LineInput

PREFIX = "lines"
# Enough for any real quotation; a bound on what one request may make the server validate.
MAX_LINES = 200

_PERCENT = [MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))]


class Catalog:
    """The products a document's lines may use, fetched in one query (and the product limits in
    one more when a ``buyer`` is given): the active ones the buyer may buy are offered; another
    of the company's products is refused with the reason."""

    def __init__(self, *, company: Company, keep_ids=(), buyer: Buyer | None = None) -> None:
        products = Product.objects.filter(company=company).filter(
            Q(is_active=True) | Q(pk__in=list(keep_ids))
        )
        self.by_pk: dict[int, Product] = {
            product.pk: product for product in products.order_by("name", "sku", "pk")
        }
        # Why the buyer may not buy a product, by product id (the picker leaves these out).
        self.refused: dict[int, str] = {}
        if buyer is not None:
            limits = ProductLimits(company=company)
            for pk, product in self.by_pk.items():
                if limits.is_limited(pk):
                    reason = limits.refusal(pk, buyer, product_name=product.name)
                    if reason is not None:
                        self.refused[pk] = reason
        self.active_choices = [
            (str(pk), self.label(product))
            for pk, product in self.by_pk.items()
            if product.is_active and pk not in self.refused
        ]

    def label(self, product: Product) -> str:
        text = f"{product.name} ({product.sku})"
        if not product.is_active:
            text = _("%(product)s – no longer sold") % {"product": text}
        elif product.pk in self.refused:
            text = _("%(product)s – not for this customer") % {"product": text}
        return str(text)


class ProductChoiceField(forms.ChoiceField):
    """A select of the catalog's products that cleans to the Product itself (no query)."""

    default_error_messages = {
        "invalid_choice": _("Choose a product from your catalog."),
    }

    def __init__(self, *args, catalog: Catalog | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.catalog = catalog
        self.allowed: set[str] = set()

    def use(self, catalog: Catalog, *, current: int | None) -> None:
        """Offer the products on sale to the party, plus ``current`` (the line's product) if it
        is inactive or no longer for this party."""
        self.catalog = catalog
        choices = list(catalog.active_choices)
        product = catalog.by_pk.get(current) if current else None
        if product is not None and (not product.is_active or product.pk in catalog.refused):
            choices.append((str(product.pk), catalog.label(product)))
        self.allowed = {value for value, _label in choices}
        self.choices = [("", _("Choose a product…")), *choices]

    def valid_value(self, value) -> bool:
        return str(value) in self.allowed

    def validate(self, value) -> None:
        # One of the company's products that the party may not buy: say why, not "not found".
        if value not in self.empty_values and not self.valid_value(value):
            refused = str(value).isdigit() and self.catalog.refused.get(int(value))
            if refused:
                raise forms.ValidationError(refused, code="not_for_party")
        super().validate(value)

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        return self.catalog.by_pk[int(value)]


class LineForm(forms.Form):
    """One row: an existing line (``id``) or a new one. Empty price, discount or VAT rate mean
    "as the catalog and the party's terms say" (``pricing.line_defaults``)."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = ProductChoiceField(label=_("Product"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    quantity = LocalDecimalField(
        label=_("Quantity"),
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0.01"),
    )
    unit_price = LocalDecimalField(
        label=_("Net unit price"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=Decimal("0"),
    )
    discount_percent = LocalDecimalField(
        label=_("Discount (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        validators=_PERCENT,
    )
    vat_rate = LocalDecimalField(
        label=_("VAT rate (%)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        validators=_PERCENT,
    )

    def __init__(self, *args, catalog: Catalog, line_number: int, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.line_number = line_number
        self.fields["product"].use(catalog, current=self.initial.get("product"))
        for name, field in self.fields.items():
            field.widget.attrs["data-line-field"] = name

    def full_clean(self):
        super().full_clean()
        # Point each control with an error at its message (see _items_row.html).
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-describedby"] = f"{self[name].auto_id}_error"

    @property
    def is_new(self) -> bool:
        return not self.initial.get("id")

    def clean_id(self):
        # The row's line is the one it was rendered with (see ``lines_formset``); a line that
        # has gone since cannot be changed.
        if self.initial.get("missing"):
            raise forms.ValidationError(
                _("This line was removed meanwhile: reload the page to see the lines as they are.")
            )
        return self.initial.get("id")


class BaseLineFormSet(forms.BaseFormSet):
    """Rows of ``LineForm`` for one document, built from its lines or from the POST."""

    def __init__(self, *args, document, catalog: Catalog, **kwargs) -> None:
        self.document = document
        self.catalog = catalog
        self._terms: pricing.Terms | None = None
        kwargs.setdefault("prefix", PREFIX)
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        kwargs = super().get_form_kwargs(index)
        kwargs["catalog"] = self.catalog
        kwargs["line_number"] = (index or 0) + 1
        return kwargs

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.is_new:
            form.fields["quantity"].initial = Decimal("1")
        return form

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = _("Remove")
            form.fields["DELETE"].widget.attrs["data-line-field"] = "DELETE"

    def terms(self) -> pricing.Terms:
        """The document's terms with its price list (read once per formset)."""
        if self._terms is None:
            self._terms = pricing.document_terms(self.document)
        return self._terms

    def is_removed(self, form: LineForm) -> bool:
        if not form.is_bound:
            return False
        form.is_valid()  # cleans once; the DELETE box is read from cleaned_data
        return self._should_delete_form(form)

    def row_input(self, form: LineForm, values: dict) -> LineInput | None:
        """One kept row as the service wants it, from its cleaned (or initial) ``values``;
        None for a removed row or an empty new one.

        An empty price, discount or VAT rate takes the catalog's and the party's values, also on
        an existing line; so does a field left as it was when the row's product changed, so a
        new product never inherits the old one's price.
        """
        if self.is_removed(form) or values.get("product") is None:
            return None
        if form.is_bound and form.is_new and not form.has_changed():
            return None
        product = values["product"]
        defaults = pricing.line_defaults(product, self.terms())
        product_changed = form.is_bound and not form.is_new and "product" in form.changed_data
        chosen = {}
        for name in ("unit_price", "discount_percent", "vat_rate", "description"):
            value = values.get(name)
            if value in (None, "") or (product_changed and name not in form.changed_data):
                value = defaults[name]
            chosen[name] = value
        return LineInput(
            id=form.initial.get("id"),
            product=product,
            quantity=values["quantity"],
            **chosen,
        )

    def line_inputs(self) -> list[LineInput]:
        """Every row for ``document_lines_save``, removed lines included (call after
        ``is_valid()``)."""
        rows: list[LineInput] = []
        for form in self.forms:
            line_id = form.initial.get("id")
            if self.is_removed(form):
                if line_id and not form.initial.get("missing"):
                    rows.append(
                        LineInput(product=None, quantity=Decimal("0"), id=line_id, delete=True)
                    )
                continue
            row = self.row_input(form, form.cleaned_data)
            if row is not None:
                rows.append(row)
        return rows


LineFormSet = forms.formset_factory(
    LineForm,
    formset=BaseLineFormSet,
    extra=1,
    can_delete=True,
    max_num=MAX_LINES,
    validate_max=True,
    absolute_max=MAX_LINES,
)


def plain(value: Decimal) -> Decimal:
    """3.00 -> 3, 19.50 -> 19.5: quantities and rates as people type them."""
    value = Decimal(value)
    return value.quantize(Decimal("1")) if value == value.to_integral() else value.normalize()


def initial_for(lines) -> list[dict]:
    return [
        {
            "id": line.pk,
            "product": line.product_id,
            "description": line.description,
            "quantity": plain(line.quantity),
            "unit_price": line.unit_price,
            "discount_percent": plain(line.discount_percent),
            "vat_rate": plain(line.vat_rate),
        }
        for line in lines
    ]


def _posted_initial(data, lines) -> list[dict]:
    """The initial rows in the order the page was rendered, matched by the posted line ids, so
    a line added or removed by someone else meanwhile cannot shift one row's input onto
    another line."""
    by_id = {line.pk: line for line in lines}
    try:
        count = int(data.get(f"{PREFIX}-INITIAL_FORMS") or 0)
    except (TypeError, ValueError):
        count = 0
    rows = []
    for index in range(max(0, min(count, MAX_LINES))):
        raw = str(data.get(f"{PREFIX}-{index}-id") or "")
        line = by_id.get(int(raw)) if raw.isdigit() else None
        rows.append(initial_for([line])[0] if line else {"id": raw or None, "missing": True})
    return rows


def lines_formset(*, document, lines, company: Company, data=None) -> BaseLineFormSet:
    """The formset for ``document``: its current ``lines`` as the rows, or the POSTed rows."""
    catalog = Catalog(
        company=company,
        keep_ids={line.product_id for line in lines},
        buyer=pricing.document_buyer(document),
    )
    initial = initial_for(lines) if data is None else _posted_initial(data, lines)
    return LineFormSet(data, initial=initial, document=document, catalog=catalog)


def new_line_form(*, document, company: Company, index: int) -> LineForm:
    """The empty row number ``index`` (0-based) that "Add line" inserts."""
    catalog = Catalog(company=company, buyer=pricing.document_buyer(document))
    formset = LineFormSet(document=document, catalog=catalog, initial=[])
    return formset._construct_form(index, **formset.get_form_kwargs(index))
