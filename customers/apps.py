from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from addressbook.owners import register_owner
        from crm.access import Action, register_record_type
        from crm.sample.demo import register_seeder
        from crm.sample.generate import register_generator
        from crm.setup import register_company_defaults
        from crm.timeline import register_related_owners
        from crm.ui.choices import register_reference_list
        from crm.ui.panels import register_panel
        from customers import dashboard, panels, rollup
        from customers import generate as generate_data
        from customers.demo import seed_customers
        from customers.setup import customers_defaults_apply

        register_owner("customers.customer", select_related=("customer_type",))
        # Customers are viewed, edited and deleted; leads and opportunities become customers.
        register_record_type(
            "customers.customer",
            model="customers.Customer",
            actions=(Action.VIEW, Action.EDIT, Action.DELETE),
        )
        register_seeder("customers", order=50, seeder=seed_customers)
        register_reference_list(self.get_model("CustomerGroup"), self.get_model("CustomerType"))
        register_generator(
            "customers",
            order=50,
            generate=generate_data.generate_customers,
            ids=generate_data.ids_needed,
            records=("customers.customer",),
        )
        register_company_defaults("customers", order=50, apply=customers_defaults_apply)
        register_related_owners(related_timeline_owners)
        # On lead and opportunity pages, right after their details: the customer they became.
        register_panel("customer", order=5, render=panels.render_customer_panel)
        dashboard.register()
        from crm.figures import register_figure_check
        from customers import figures

        register_figure_check(
            "balances",
            noun="balances",
            order=20,
            count=figures.balances_count,
            find=figures.balances_find,
        )

        # Figures summed over a customer's hierarchy; selling adds quotations and orders.
        rollup.register_defaults()


def related_timeline_owners(obj):
    """A customer's timeline also shows the history of the leads and opportunities behind it."""
    from customers.models import Customer, CustomerLink

    if not isinstance(obj, Customer):
        return []
    owners = []
    for link in CustomerLink.objects.filter(company=obj.company_id, customer=obj).select_related(
        "lead", "opportunity"
    ):
        owners.extend(record for record in (link.lead, link.opportunity) if record is not None)
    return owners
