"""The REST API's shared parts (``/api/v1/``): token authentication, the company scope for a
token's requests, the one error shape, cursor pagination, the viewset base every app's
``<app>/api.py`` builds on, and the one router they register on.

Each app keeps its serializers and viewsets in its own ``api.py`` and registers them on
``crm.api.router.router`` when imported; ``crm.api.urls`` imports every installed app's ``api``
module (as the admin finds ``admin.py``), so ``crm`` never names a higher app.
"""
