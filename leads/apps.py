from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LeadsConfig(AppConfig):
    name = "leads"
    verbose_name = _("Leads and opportunities")

    def ready(self) -> None:
        from addressbook.owners import register_owner
        from crm.access import register_record_type
        from crm.sample.demo import register_seeder
        from crm.sample.generate import register_generator
        from crm.setup import register_company_defaults
        from crm.timeline import register_related_owners
        from crm.ui.choices import register_reference_list
        from leads import dashboard
        from leads import generate as generate_data
        from leads.demo import seed_leads
        from leads.setup import leads_defaults_apply

        register_owner("leads.lead")
        # The "Next step" box: what is left once the apps above have had their say.
        from crm.ui.next_step import register_next_step
        from leads import next_steps
        from leads.models import Lead, Opportunity

        register_next_step(Lead, order=30, decide=next_steps.lead_next_step)
        register_next_step(Opportunity, order=30, decide=next_steps.opportunity_next_step)
        register_record_type("leads.lead", model="leads.Lead")
        # A visitor's web form names no company: the database's lookup finds it by the key.
        from crm.rls import register_company_lookup

        register_company_lookup("web_form_companies", model="leads.WebForm", column="key")
        register_record_type("leads.opportunity", model="leads.Opportunity")
        register_owner("leads.opportunity")
        register_seeder("leads", order=40, seeder=seed_leads)
        from leads.demo import seed_web_form

        register_seeder("web_forms", order=45, seeder=seed_web_form)
        register_reference_list(
            self.get_model("LeadSource"),
            self.get_model("LostReason"),
            self.get_model("OpportunityStage"),
        )
        register_generator(
            "leads",
            order=40,
            generate=generate_data.generate_leads,
            check=generate_data.check_plan,
            ids=generate_data.ids_needed,
            records=("leads.lead", "leads.opportunity"),
        )
        register_related_owners(related_timeline_owners)
        register_company_defaults("leads", order=40, apply=leads_defaults_apply)
        from crm.imports.kinds import register_import_kind
        from leads.imports import LEAD_IMPORT

        register_import_kind(LEAD_IMPORT)
        dashboard.register()
        from crm.figures import register_figure_check
        from leads import figures

        # The dashboard's time in stage reads each stay's stored end.
        register_figure_check(
            "stage_stays",
            noun=_("stage stays"),
            order=50,
            count=figures.stage_stays_count,
            find=figures.stage_stays_find,
        )
        # The funnel counts the period's opportunities off their copy of the lead's created date.
        register_figure_check(
            "opportunity_lead_dates",
            noun=_("opportunities' lead created dates"),
            order=55,
            count=figures.lead_created_at_count(Opportunity),
            find=figures.lead_created_at_find(Opportunity, timeline_owner=lambda row: row),
        )

        # The board's column totals and the dashboard's pipeline and lead sources read the
        # figures the database keeps (leads.kept).
        from crm.kept_figures import register_kept_figures
        from leads.kept import LEAD_DAYS, PIPELINE, STAGE_STAYS

        register_kept_figures(PIPELINE)
        register_kept_figures(LEAD_DAYS)
        register_kept_figures(STAGE_STAYS)
        register_figure_check(
            "pipeline_figures",
            noun=_("stages' pipeline figures"),
            order=57,
            count=figures.pipeline_figures_count,
            find=figures.pipeline_figures_find,
        )
        register_figure_check(
            "lead_day_figures",
            noun=_("days' lead figures"),
            order=58,
            count=figures.lead_day_figures_count,
            find=figures.lead_day_figures_find,
        )
        # The opportunity list filtered by no more than stage and salesperson is counted off
        # the pipeline figures: flat at a million rows (crm.ui.pagination).
        from crm.ui.pagination import KeptCount, register_kept_count

        register_kept_count(
            Opportunity,
            KeptCount(
                PIPELINE.model, "opportunity_count", ("company_id", "stage_id", "salesperson_id")
            ),
        )
        # The lead list filtered by no more than status and salesperson: off its own figures.
        from crm.kept_figures import register_list_counts
        from leads.kept import LEAD_COUNTS

        register_list_counts(
            LEAD_COUNTS, Lead, check="lead_count_figures", noun=_("leads' list counts"), order=60
        )
        register_figure_check(
            "stage_stay_figures",
            noun=_("days' stage stay figures"),
            order=59,
            count=figures.stage_stay_figures_count,
            find=figures.stage_stay_figures_find,
        )

        # An opportunity is found by its lead's names, stored on it (leads.lead_names): a lead
        # renamed from a page, the admin, the API or an import writes them again.
        from crm.stored_names import connect_sources, register_names_check
        from leads.lead_names import OPPORTUNITY_LEAD_NAMES

        connect_sources(OPPORTUNITY_LEAD_NAMES)
        register_names_check(
            "opportunity_lead_names",
            noun=_("opportunities' names searched"),
            order=59,
            specs=(OPPORTUNITY_LEAD_NAMES,),
        )

        # The top bar's search box finds this app's records (crm.ui.global_search).
        from leads import search_kinds

        search_kinds.register()


def related_timeline_owners(obj):
    """An opportunity's timeline also shows the history of the lead it came from."""
    from leads.models import Opportunity

    if isinstance(obj, Opportunity) and obj.lead_id:
        return [obj.lead]
    return []
