from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SellingConfig(AppConfig):
    name = "selling"
    verbose_name = _("Selling")

    def ready(self) -> None:
        from crm.sample.demo import register_seeder
        from crm.sample.generate import register_generator
        from selling import generate as generate_data
        from selling.demo import seed_selling

        register_seeder("selling", order=60, seeder=seed_selling)
        register_generator(
            "selling",
            order=60,
            generate=generate_data.generate_selling,
            check=generate_data.check_plan,
            ids=generate_data.ids_needed,
            records=("selling.quotation", "selling.salesorder"),
        )
        # Quotations and orders on customer and opportunity pages; commission on partner pages.
        from crm.ui.panels import register_panel
        from selling import panels

        register_panel("selling_documents", order=10, render=panels.render_documents_panel)
        register_panel("partner_commission", order=10, render=panels.render_commission_panel)
        # manage.py verify_figures: document totals and lifetime sales values.
        from crm.figures import register_figure_check
        from selling import figures

        register_figure_check(
            "totals",
            noun="documents",
            order=10,
            count=figures.totals_count,
            find=figures.totals_find,
        )
        register_figure_check(
            "lifetime",
            noun="lifetime sales values",
            order=30,
            count=figures.lifetime_count,
            find=figures.lifetime_find,
        )
        register_figure_check(
            "payments",
            noun="order payments",
            order=40,
            count=figures.payments_count,
            find=figures.payments_find,
        )

        # Open quotations and booked orders in the customer hierarchy's roll-up.
        from selling import rollup

        rollup.register()
