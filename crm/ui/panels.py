"""Panels that other apps add to any record's detail page.

A lower app's page cannot import a higher app (``crm <- addressbook <- leads ...``), yet a sales
partner's page must show its addresses. So detail pages call ``{% record_panels object %}`` and
each app registers, in its ``AppConfig.ready()``, a function that renders its panel for the
records it knows how to handle.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.utils.safestring import SafeString

PanelRenderer = Callable[[HttpRequest, object], SafeString | str | None]


@dataclass(frozen=True)
class Panel:
    name: str
    order: int
    render: PanelRenderer


_registry: dict[str, Panel] = {}


def register_panel(name: str, *, order: int, render: PanelRenderer) -> None:
    _registry[name] = Panel(name=name, order=order, render=render)


def panels_for(
    request: HttpRequest,
    obj: object,
    *,
    only: frozenset[str] | None = None,
    exclude: frozenset[str] = frozenset(),
) -> list[SafeString | str]:
    """Rendered panels for ``obj``, in order; a renderer returns None to skip a record.

    ``only``/``exclude`` pick panels by name, so a page can lay some out side by side.
    """
    rendered = []
    for panel in sorted(_registry.values(), key=lambda p: p.order):
        if (only is not None and panel.name not in only) or panel.name in exclude:
            continue
        html = panel.render(request, obj)
        if html:
            rendered.append(html)
    return rendered
