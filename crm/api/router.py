"""The one router every app's ``api.py`` registers its viewsets on.

URLs use the ``int`` converter (``/api/v1/leads/<int:pk>/``): anything but a number is a plain
404 before the database sees it, and the isolation walk (tests/test_isolation.py) finds the
routes by their id converter and the viewset's ``model``.
"""

from rest_framework.routers import SimpleRouter


class ApiRouter(SimpleRouter):
    def __init__(self):
        super().__init__(trailing_slash=True, use_regex_path=False)

    def get_urls(self):
        urls = super().get_urls()
        for pattern in urls:
            # What Django's own class-based views carry: which view answers (its ``model``).
            pattern.callback.view_class = pattern.callback.cls
        return urls


router = ApiRouter()
