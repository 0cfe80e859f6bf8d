"""Sample data: the demo companies (``manage.py seed_demo``) and generated data at scale
(``manage.py generate_data``), with the registries each app fills and the value pools they draw
from.

Never imported by the code that serves requests or runs the business: only the ``seed_demo`` and
``generate_data`` commands, the apps' own ``demo.py`` and ``generate.py``, the
``AppConfig.ready()`` registrations and tests use it. Like the rest of crm, it never imports a
higher app; each app registers its seeder and generator here instead.
"""
