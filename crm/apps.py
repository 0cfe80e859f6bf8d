from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = _("CRM")

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_migrate, post_save
        from simple_history.signals import pre_create_historical_record

        from crm import rls
        from crm.audit import fill_history_row
        from crm.dashboard import register_core_widgets
        from crm.i18n import remember_language_at_sign_in
        from crm.models import (
            IndividualPartner,
            Membership,
            OrganizationPartner,
            Product,
            SalesPartner,
            Salesperson,
            SavedView,
        )
        from crm.sample.demo import register_seeder
        from crm.sample.demo_reference import seed_reference
        from crm.sample.demo_timeline import seed_timeline
        from crm.sample.demo_tokens import seed_api_tokens
        from crm.sample.generate import register_generator
        from crm.sample.generate_reference import generate_reference
        from crm.saved_views import owner_saved
        from crm.timeline import delete_timeline_of_owner, timeline_owner_models
        from crm.ui.choices import bump_lists_version_on_write, register_reference_list
        from crm.ui.panels import register_panel
        from crm.views.timeline import timeline_panel

        register_reference_list(
            Salesperson, SalesPartner, IndividualPartner, OrganizationPartner, Product
        )
        # The saved views above every list are cached under the same version (crm.saved_views).
        register_reference_list(SavedView)
        # The people a task may be assigned to (the timeline's form) are the company's members,
        # cached under the same version; a change to a member's name bumps it too (owner_saved).
        bump_lists_version_on_write(Membership)
        post_save.connect(
            owner_saved, sender=get_user_model(), dispatch_uid="crm_saved_view_owner_saved"
        )
        # PostgreSQL row-level security: policies after every migrate, and whether a new
        # connection is subject to them (crm.rls).
        post_migrate.connect(rls.on_post_migrate, sender=self, dispatch_uid="crm_rls_policies")
        # Triggers that keep figures, put back where a migration rebuilt their table (SQLite).
        from crm.kept_figures import reinstall_missing

        post_migrate.connect(reinstall_missing, sender=self, dispatch_uid="crm_kept_figures")
        connection_created.connect(rls.note_enforcement, dispatch_uid="crm_rls_enforcement")
        # An API key names no company: the database says whose it is (crm.api.tokens).
        rls.register_company_lookup(
            "api_token_companies",
            model="crm.ApiToken",
            column="prefix",
            where="revoked_at IS NULL",
        )
        register_panel("timeline", order=100, render=timeline_panel)
        user_logged_in.connect(remember_language_at_sign_in, dispatch_uid="crm_language_at_login")
        # Who wrote on the portal, and which command (crm.audit).
        pre_create_historical_record.connect(fill_history_row, dispatch_uid="crm_audit_row")
        register_core_widgets()
        register_seeder("reference", order=10, seeder=seed_reference)
        register_seeder("timeline", order=90, seeder=seed_timeline)
        from crm.sample.demo_imports import seed_imports

        register_seeder("imports", order=95, seeder=seed_imports)
        register_seeder("api_tokens", order=95, seeder=seed_api_tokens)
        from crm.sample.demo_saved_views import seed_saved_views

        register_seeder("saved_views", order=96, seeder=seed_saved_views)
        register_generator("reference", order=10, generate=generate_reference)
        # Per model, not for every delete: a receiver without a sender would turn off Django's
        # fast delete for all models.
        for model in timeline_owner_models():
            post_delete.connect(
                delete_timeline_of_owner,
                sender=model,
                dispatch_uid=f"crm_timeline_owner_{model._meta.label_lower}",
            )
        from crm.imports.kinds import register_import_kind
        from crm.imports.products import PRODUCT_IMPORT

        register_import_kind(PRODUCT_IMPORT)
