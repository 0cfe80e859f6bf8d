"""The core's own resources on the API: the product catalog (``/api/v1/products/``).
Registered by ``crm.api.urls`` (crm's own ``api`` module is this package)."""

from rest_framework import serializers

from crm.api.forms import form_serializer
from crm.api.router import router
from crm.api.viewsets import FormViewSet
from crm.filters import ProductFilter
from crm.forms import ProductForm
from crm.models import Membership, Product
from crm.services import product_save


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = [
            "id",
            "sku",
            "name",
            "description",
            "unit_price",
            "vat_rate",
            "gross_unit_price",
            "is_active",
            "created_at",
            "version",
            "updated_at",
        ]
        read_only_fields = fields

    gross_unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)


class ProductViewSet(FormViewSet):
    """The company's catalog: everyone reads it, managers, admins and owners change it. A
    product used on quotations, orders or wish lists cannot be deleted (409): mark it
    inactive instead."""

    model = Product
    read_serializer_class = ProductSerializer
    input_serializer_class = form_serializer(ProductForm, "ProductInput")
    form_class = ProductForm
    filterset_class = ProductFilter
    write_roles = Membership.MANAGER_ROLES

    def save_service(self, instance):
        if instance.vat_rate is None:
            instance.vat_rate = self.company.default_vat_rate
        return product_save(product=instance)

    def delete_service(self, instance) -> None:
        # As the catalog page does: a row others still use is refused (ProtectedError: 409).
        instance.delete()


router.register("products", ProductViewSet, basename="product")
