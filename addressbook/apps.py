from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AddressbookConfig(AppConfig):
    name = "addressbook"
    verbose_name = _("Address book")

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from addressbook import demo, panels
        from addressbook.owners import register_owner
        from addressbook.signals import delete_links_of_owner
        from crm.sample.demo import register_seeder
        from crm.ui.panels import register_panel

        register_owner("crm.company")
        register_owner("crm.salespartner")
        register_panel("addresses", order=20, render=panels.render_addresses_panel)
        register_panel("contacts", order=30, render=panels.render_contacts_panel)
        register_seeder("addressbook", order=20, seeder=demo.seed_addressbook)
        post_delete.connect(delete_links_of_owner, dispatch_uid="addressbook_owner_links")
        from addressbook.imports import ADDRESS_IMPORT, CONTACT_IMPORT
        from crm.imports.kinds import register_import_kind

        register_import_kind(ADDRESS_IMPORT)
        register_import_kind(CONTACT_IMPORT)

        # The top bar's search box finds this app's records (crm.ui.global_search).
        from addressbook import search_kinds

        search_kinds.register()
