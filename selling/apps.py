from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellingConfig(AppConfig):
    name = "selling"
    verbose_name = _("Selling")

    def ready(self) -> None:
        from crm.demo import register_seeder
        from selling.demo import seed_selling

        register_seeder("selling", order=60, seeder=seed_selling)
