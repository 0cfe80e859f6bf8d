"""Addresses and contacts, linked to any owner record (company, sales partner, lead, ...).

What other apps use:

- ``addressbook.owners.register_owner("app_label.modelname", select_related=())`` in their
  ``AppConfig.ready()``: records of that model get the Addresses and Contacts panels on their
  detail page (``{% record_panels object %}``), the link inlines in their admin, and their links
  are deleted with them. ``owner_models()`` lists the installed registered models.
- ``addressbook.services``: ``address_link`` / ``contact_link``, ``address_create_and_link`` /
  ``contact_create_and_link``, ``link_unlink``, ``link_set_primary``, ``address_delete`` /
  ``contact_delete`` (keyword-only, raise ``crm.errors.DomainError``).
- ``addressbook.selectors``: ``address_links_for_owner`` / ``contact_links_for_owner`` and
  ``address_linked_records`` / ``contact_linked_records``.
- ``addressbook.admin.AddressLinkInline`` / ``ContactLinkInline`` for admins of owner models.
"""
