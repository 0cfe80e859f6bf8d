"""The page toolkit every app builds its pages from: list filters and search, bounded pagination,
bulk actions, lookups, cached select choices, server-drawn charts, and the registries behind
record panels and dashboard cards.

The toolkit knows no sales object: it never imports addressbook, leads, customers or selling (nor
``crm.sample``). Those apps describe their records to it (a FilterSet, a ``Lookup``, a
``BulkAction``) or register with it from their ``AppConfig.ready()``; the core's own filters and
dashboard cards stay in ``crm.filters`` and ``crm.dashboard``, as every app keeps its own.
"""
