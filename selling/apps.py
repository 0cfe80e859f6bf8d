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
        # The "Next step" box on opportunity and customer pages: the deal under way, or a quote.
        from crm.ui.next_step import register_next_step
        from customers.models import Customer
        from leads.models import Opportunity
        from selling import next_steps

        register_next_step(Opportunity, order=10, decide=next_steps.opportunity_next_step)
        register_next_step(Customer, order=10, decide=next_steps.customer_next_step)
        # Wish lists on lead, opportunity and customer pages at the party's prices, as the
        # quotation made from them would charge (leads alone knows only the catalog).
        from leads.wish_pricing import register_wish_list_pricer
        from selling.pricing import wish_list_priced

        register_wish_list_pricer(order=10, price=wish_list_priced)
        # manage.py verify_figures: document totals and lifetime sales values.
        from django.utils.translation import gettext_lazy

        from crm.figures import register_figure_check
        from crm.stored_names import register_names_check
        from selling import figures, party_names

        register_figure_check(
            "totals",
            noun=gettext_lazy("documents"),
            order=10,
            count=figures.totals_count,
            find=figures.totals_find,
        )
        register_figure_check(
            "lifetime",
            noun=gettext_lazy("lifetime sales values"),
            order=30,
            count=figures.lifetime_count,
            find=figures.lifetime_find,
        )
        # The dashboard's booked sales cards read the figures the database keeps per day.
        from crm.kept_figures import register_kept_figures
        from selling.kept import BOOKED_DAYS

        register_kept_figures(BOOKED_DAYS)
        register_figure_check(
            "booked_figures",
            noun=gettext_lazy("days' booked sales figures"),
            order=45,
            count=figures.booked_figures_count,
            find=figures.booked_figures_find,
        )
        register_names_check(
            "party_names",
            noun=gettext_lazy("documents' names searched"),
            order=46,
            specs=(party_names.QUOTATION_NAMES, party_names.ORDER_NAMES),
        )
        register_figure_check(
            "payments",
            noun=gettext_lazy("order payments"),
            order=40,
            count=figures.payments_count,
            find=figures.payments_find,
        )

        # Open quotations and booked orders in the customer hierarchy's roll-up.
        from selling import rollup

        rollup.register()

        # Booked sales by salesperson and by month on the dashboard, beside the pipeline.
        from selling import dashboard

        dashboard.register()

        # Who of the staff may see and change which documents: the salesperson on a document
        # owns it. Accepting, rejecting and ordering a quotation convert it; cancelling an
        # order keeps it (it only stops counting as a sale), so it is an edit, not a delete.
        from crm.access import Action, Level, register_portal_record_type, register_record_type

        register_record_type(
            "selling.quotation",
            model="selling.Quotation",
            actions=(Action.VIEW, Action.EDIT, Action.CONVERT),
        )
        register_record_type(
            "selling.salesorder", model="selling.SalesOrder", actions=(Action.VIEW, Action.EDIT)
        )

        # What customer users reach on the portal, and the predefined roles' levels.
        from django.utils.translation import gettext_lazy as _

        corporate, department = Level.COMPANY, Level.TEAM
        register_portal_record_type(
            "selling.quotation",
            model="selling.Quotation",
            verbose_name_plural=_("quotations"),
            customer="customer",
            own="customer_user",
            actions=(Action.VIEW, Action.EDIT, Action.CONVERT),
            action_labels={Action.EDIT: _("Request"), Action.CONVERT: _("Accept or reject")},
            defaults={
                "administrator": dict.fromkeys(
                    (Action.VIEW, Action.EDIT, Action.CONVERT), corporate
                ),
                "buyer": dict.fromkeys((Action.VIEW, Action.EDIT, Action.CONVERT), department),
                "guest": {Action.VIEW: department},
            },
        )
        register_portal_record_type(
            "selling.salesorder",
            model="selling.SalesOrder",
            verbose_name_plural=_("sales orders"),
            customer="customer",
            own="customer_user",
            actions=(Action.VIEW, Action.EDIT),
            action_labels={Action.EDIT: _("Pay from the balance")},
            defaults={
                "administrator": dict.fromkeys((Action.VIEW, Action.EDIT), corporate),
                "buyer": dict.fromkeys((Action.VIEW, Action.EDIT), department),
                "guest": {Action.VIEW: department},
            },
        )

        # A document is found by its customer's and opportunity's names, stored on it: a
        # rename, or an opportunity becoming a customer, writes them again wherever it is saved
        # from (page, admin, API, import). Signals, because customers and leads know no document.
        from crm.stored_names import connect_sources

        connect_sources(party_names.QUOTATION_NAMES)
        connect_sources(party_names.ORDER_NAMES)

        # The top bar's search box finds this app's records (crm.ui.global_search).
        from selling import search_kinds

        search_kinds.register()
