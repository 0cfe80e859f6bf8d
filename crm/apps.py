from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from crm.demo import register_seeder
        from crm.demo_reference import seed_reference

        register_seeder("reference", order=10, seeder=seed_reference)
