"""The product catalog."""

from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.generic import DeleteView, DetailView

from crm.filters import ProductFilter
from crm.forms import ProductForm
from crm.models import Product
from crm.services import product_save
from crm.tables import product_table
from crm.ui.export import Column, Export
from crm.views.mixins import (
    CompanyListView,
    CompanyQuerysetMixin,
    ProtectedDeleteMixin,
    RoleContextMixin,
    RoleRequiredMixin,
)
from crm.views.records import ServiceCreateView, ServiceUpdateView


class ProductListView(RoleContextMixin, CompanyListView):
    model = Product
    filterset_class = ProductFilter
    template_name = "crm/product_list.html"
    export = Export(
        "products",
        [
            Column(_("ID"), "pk"),
            Column(_("SKU"), "sku"),
            Column(_("Name"), "name"),
            Column(_("Description"), "description"),
            Column(_("Net unit price"), "unit_price"),
            Column(_("VAT rate (%)"), "vat_rate"),
            Column(_("Active"), "is_active"),
        ],
    )
    partial_template_name = "crm/partials/_product_table.html"
    table = product_table
    sort_fields = {"sku": "sku", "name": "name", "price": "unit_price", "vat": "vat_rate"}
    default_sort = "sku"


class ProductDetailView(RoleContextMixin, CompanyQuerysetMixin, DetailView):
    model = Product
    template_name = "crm/product_detail.html"
    context_object_name = "product"


class ProductFormMixin(RoleRequiredMixin):
    """Managers, admins and owners run the catalog; salespeople sell from it."""

    model = Product
    form_class = ProductForm
    cancel_url = reverse_lazy("crm:product_list")

    def save_service(self, instance):
        return product_save(product=instance)


class ProductCreateView(ProductFormMixin, ServiceCreateView):
    success_message = _("Product %(object)s was added.")
    extra_context = {"title": _("New product")}

    def get_initial(self):
        return {**super().get_initial(), "vat_rate": self.request.company.default_vat_rate}


class ProductUpdateView(ProductFormMixin, ServiceUpdateView):
    success_message = _("Product %(object)s was saved.")
    extra_context = {"title": _("Edit product")}


class ProductDeleteView(RoleRequiredMixin, ProtectedDeleteMixin, CompanyQuerysetMixin, DeleteView):
    model = Product
    template_name = "crm/object_confirm_delete.html"
    success_url = reverse_lazy("crm:product_list")
