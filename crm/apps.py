from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from crm.demo import register_seeder
        from crm.demo_reference import seed_reference
        from crm.demo_timeline import seed_timeline
        from crm.panels import register_panel
        from crm.views.timeline import timeline_panel

        register_panel("timeline", order=100, render=timeline_panel)
        register_seeder("reference", order=10, seeder=seed_reference)
        register_seeder("timeline", order=90, seeder=seed_timeline)
