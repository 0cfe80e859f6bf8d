"""Pieces of a list page kept, as rendered, in a per-process memory (issue 17).

Around the rows, a list page writes the same markup on most visits: the column picker, the
bulk-action bar, the pages below the table. Each took a template round trip (and the bar a form
with its selects built) on every request, together more than a third of what the list adds to
the floor. ``kept(key, render)`` gives what ``render()`` returned before for an equal ``key``,
and renders only when there is none; ``{% kept_include "template" key %}`` does the same for
a template rendered with the page's context, as ``{% include %}`` would.

The key is the caller's promise: it must hold everything the markup is made from (the language,
the query the links keep, the figures shown, the company's lists version where options are
listed). A key of None renders every time. The memory is per process, so new code never meets
markup an older version wrote, and it is emptied when full (a list page uses a few keys; every
search typed adds some).

Other per-process memories keyed by a company's lists version (the fields' markup in
``crm.ui.fast_forms``, the filter forms' classes in ``crm.ui.filters``) are ``ProcessMemory``
too, so ``forget()`` empties them all (memories of words per language, or of SQL per shape,
hold nothing of a company's and are not among them): a test database hands a rolled-back company's id and lists version to the next test,
and no memory may answer it with what the last one kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from crm.phones import active_region

_MEMORIES: list[ProcessMemory] = []


class ProcessMemory:
    """Values by key for the life of the process, emptied when ``limit`` is reached (the keys
    in use are few; only what people type in adds more)."""

    def __init__(self, limit: int):
        self.limit = limit
        self._values: dict[Hashable, Any] = {}
        _MEMORIES.append(self)

    def get(self, key: Hashable) -> Any:
        return self._values.get(key)

    def keep(self, key: Hashable, value: Any) -> Any:
        if len(self._values) >= self.limit:
            self._values.clear()
        self._values[key] = value
        return value

    def forget(self) -> None:
        self._values.clear()

    def __len__(self) -> int:
        return len(self._values)


_KEPT = ProcessMemory(limit=4096)


def kept(key: Hashable | None, render: Callable[[], str]) -> SafeString:
    """``render()``'s markup, from the memory when ``key`` was rendered before."""
    if key is None:
        return mark_safe(render())
    html = _KEPT.get(key)
    if html is None:
        html = _KEPT.keep(key, mark_safe(render()))
    return html


def locale_key() -> tuple:
    """What formats a piece besides its own data: the language, time zone and dialing region."""
    return (get_language(), timezone.get_current_timezone_name(), active_region())


def forget() -> None:
    """Empty every per-process memory (between tests; tests that change templates or
    translations under a key)."""
    for memory in _MEMORIES:
        memory.forget()
