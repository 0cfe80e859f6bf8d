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
        # The "Next step" box: a record that became a customer goes on there; a held customer
        # is released first.
        from crm.ui.next_step import register_next_step
        from customers import next_steps
        from customers.models import Customer
        from leads.models import Lead, Opportunity

        register_next_step(Lead, order=20, decide=next_steps.lead_next_step)
        register_next_step(Opportunity, order=20, decide=next_steps.opportunity_next_step)
        register_next_step(Customer, order=20, decide=next_steps.customer_next_step)
        # Customers are viewed, edited and deleted; leads and opportunities become customers.
        register_record_type(
            "customers.customer",
            model="customers.Customer",
            actions=(Action.VIEW, Action.EDIT, Action.DELETE),
        )
        register_seeder("customers", order=50, seeder=seed_customers)
        # After selling's seeder: the portal's people see the demo's quotations and orders.
        from crm.sample.demo import register_demo_logins
        from customers.demo import portal_login_notes, seed_portal

        register_seeder("customer_portal", order=70, seeder=seed_portal)
        register_demo_logins(portal_login_notes)
        register_reference_list(self.get_model("CustomerGroup"), self.get_model("CustomerType"))
        register_generator(
            "customers",
            order=50,
            generate=generate_data.generate_customers,
            ids=generate_data.ids_needed,
            records=("customers.customer",),
        )
        register_company_defaults("customers", order=50, apply=customers_defaults_apply)
        from customers.portal_users import customer_roles_ensure

        register_company_defaults("customer_roles", order=55, apply=customer_roles_ensure)
        register_related_owners(related_timeline_owners)
        # On lead and opportunity pages, right after their details: the customer they became.
        register_panel("customer", order=5, render=panels.render_customer_panel)
        # On a contact's page: whether they sign in to the portal, or the way to invite them.
        register_panel("portal_access", order=6, render=panels.render_portal_access_panel)
        dashboard.register()
        from crm.figures import register_figure_check
        from customers import figures

        register_figure_check(
            "balances",
            noun=_("balances"),
            order=20,
            count=figures.balances_count,
            find=figures.balances_find,
        )
        # The funnel counts the period's customers off their links' copy of the lead's created
        # date; a repair is logged on the customer's timeline.
        from customers.models import CustomerLink
        from leads.figures import lead_created_at_count, lead_created_at_find

        register_figure_check(
            "customer_link_lead_dates",
            noun=_("customer links' lead created dates"),
            order=56,
            count=lead_created_at_count(CustomerLink),
            find=lead_created_at_find(CustomerLink, timeline_owner=lambda link: link.customer),
        )
        # The customer list filtered by no more than status and salesperson is counted off the
        # figures the database keeps (customers.kept, crm.ui.pagination).
        from crm.kept_figures import register_list_counts
        from customers.kept import CUSTOMER_COUNTS

        register_list_counts(
            CUSTOMER_COUNTS,
            Customer,
            check="customer_count_figures",
            noun=_("customers' list counts"),
            order=61,
        )

        # Figures summed over a customer's hierarchy; selling adds quotations and orders.
        rollup.register_defaults()
        register_portal_types()
        # The portal's sign-in asks which companies know an e-mail before it knows the company.
        from crm.rls import register_company_lookup

        register_company_lookup(
            "portal_user_companies",
            model="customers.CustomerUser",
            column="email",
            where="is_active",
        )
        from crm.imports.kinds import register_import_kind
        from customers.imports import CUSTOMER_IMPORT

        register_import_kind(CUSTOMER_IMPORT)

        # The top bar's search box finds this app's records (crm.ui.global_search).
        from customers import search_kinds

        search_kinds.register()


def register_portal_types() -> None:
    """What customer users reach on the portal: their customers' addresses, balance and users."""
    from django.contrib.contenttypes.models import ContentType
    from django.db.models import Q

    from addressbook.models import AddressLink
    from crm.access import Action, Level, register_portal_record_type
    from customers.models import Customer

    corporate, department, own = Level.COMPANY, Level.TEAM, Level.OWN

    def addresses_of(customer_ids) -> Q:
        links = AddressLink.objects.filter(
            owner_type=ContentType.objects.get_for_model(Customer), owner_id__in=customer_ids
        ).values("address_id")
        return Q(pk__in=links)

    register_portal_record_type(
        "addressbook.address",
        model="addressbook.Address",
        verbose_name_plural=_("addresses"),
        customer=addresses_of,
        actions=(Action.VIEW, Action.EDIT),
        defaults={
            "administrator": dict.fromkeys((Action.VIEW, Action.EDIT), corporate),
            "buyer": {Action.VIEW: department},
            "guest": {Action.VIEW: department},
        },
    )
    register_portal_record_type(
        "customers.balanceentry",
        model="customers.BalanceEntry",
        verbose_name_plural=_("balance"),
        customer="customer",
        actions=(Action.VIEW, Action.EDIT),
        action_labels={Action.EDIT: _("Redeem a gift card")},
        defaults={
            "administrator": dict.fromkeys((Action.VIEW, Action.EDIT), corporate),
            "buyer": dict.fromkeys((Action.VIEW, Action.EDIT), department),
            "guest": {Action.VIEW: department},
        },
    )
    register_portal_record_type(
        "customers.customeruser",
        model="customers.CustomerUser",
        verbose_name_plural=_("customer users"),
        customer="customer",
        own="pk",
        actions=(Action.VIEW, Action.EDIT, Action.DELETE),
        action_labels={
            Action.EDIT: _("Invite and assign roles"),
            Action.DELETE: _("Deactivate"),
        },
        defaults={
            "administrator": dict.fromkeys((Action.VIEW, Action.EDIT, Action.DELETE), corporate),
            "buyer": {Action.VIEW: own},
            "guest": {Action.VIEW: own},
        },
    )


def related_timeline_owners(obj):
    """A customer's timeline also shows the history of the leads and opportunities behind it."""
    from customers.models import Customer
    from customers.selectors import customer_links

    if not isinstance(obj, Customer):
        return []
    owners = []
    for link in customer_links(obj):
        owners.extend(record for record in (link.lead, link.opportunity) if record is not None)
    return owners
