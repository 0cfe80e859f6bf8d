"""A moment's words for rows that show many of them (the timeline's fifty entries a page).

Django's ``dateformat.format`` and ``relative_time`` (``timesince``) translate their words anew
on every call, and each translation looked up costs several microseconds here (the active
language is read from a context-local each time): on a record page those two calls were most
of the timeline's rows. The words depend on little (a month's name on the month and the
language; "3 days ago" on the unit, the count and the language), so they are kept per process
under exactly that, and each value is written with plain string formatting. The output is the
same as Django's, byte for byte (``tests/crm/test_moments.py`` compares both ways).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

from django.utils import dateformat
from django.utils.timesince import TIME_CHUNKS

from crm.templatetags.timeline_tags import relative_time

# A moment at least a minute and less than this before ``now`` is "N <unit> ago" with the
# largest unit of ``TIME_CHUNKS`` (week, day, hour, minute) that fits: ``timesince`` reckons
# calendar months only from four weeks on (a day less here: a margin, nothing depends on it).
_BY_UNITS_UP_TO = timedelta(days=27).total_seconds()
_ago_words: dict[tuple[str | None, int, int], str] = {}


def kept_relative_time(value: datetime | None, *, now: datetime, language: str | None) -> str:
    """``relative_time(value, now=now)`` in ``language`` (the active one), its words kept per
    unit, count and language."""
    if value is None:
        return ""
    # ``timesince`` counts on the clock of the value's zone (as Python subtracts two moments of
    # one zone); ``relative_time`` first asks whether the moment is past by a minute or more.
    on_its_clock = now.astimezone(value.tzinfo) if value.tzinfo and now.tzinfo else now
    seconds = (on_its_clock - value).total_seconds()
    if (now - value).total_seconds() < 60 or not 60 <= seconds < _BY_UNITS_UP_TO:
        return relative_time(value, now=now)
    for chunk in TIME_CHUNKS:
        if seconds >= chunk:
            break
    key = (language, chunk, int(seconds // chunk))
    words = _ago_words.get(key)
    if words is None:
        words = _ago_words[key] = relative_time(value, now=now)
    return words


# ``dateformat``'s own split of a format into its letters and the text between them.
_LETTERS = dateformat.re_formatchars
_ESCAPED = dateformat.re_escaped
# The letters written here from the value's own fields: numbers, and the month's names.
_NUMBERS = {
    "d": lambda v: f"{v.day:02d}",
    "j": lambda v: str(v.day),
    "m": lambda v: f"{v.month:02d}",
    "n": lambda v: str(v.month),
    "y": lambda v: f"{v.year % 100:02d}",
    "Y": lambda v: f"{v.year:04d}",
    "G": lambda v: str(v.hour),
    "H": lambda v: f"{v.hour:02d}",
    "i": lambda v: f"{v.minute:02d}",
    "s": lambda v: f"{v.second:02d}",
}
_MONTH_NAMES = frozenset("bEFMN")
_TIME_LETTERS = frozenset("GHis")
_month_words: dict[tuple[str | None, str, int], str] = {}


@cache
def _pieces(format_string: str) -> tuple[tuple[str, str], ...] | None:
    """The format as (letter, "") and ("", text) pieces, or None if it has a letter not
    written here (zones, weekdays, a.m./p.m., ...): that format goes to ``dateformat``."""
    pieces = []
    for index, piece in enumerate(_LETTERS.split(format_string)):
        if index % 2:
            if piece not in _NUMBERS and piece not in _MONTH_NAMES:
                return None
            pieces.append((piece, ""))
        elif piece:
            pieces.append(("", _ESCAPED.sub(r"\1", piece)))
    return tuple(pieces)


def format_moment(value: date, format_string: str, *, language: str | None) -> str:
    """``dateformat.format(value, format_string)`` in ``language`` (the active one)."""
    pieces = _pieces(str(format_string))
    is_date = not isinstance(value, datetime)
    if pieces is None or (is_date and any(letter in _TIME_LETTERS for letter, _ in pieces)):
        return dateformat.format(value, format_string)
    out = []
    for letter, text in pieces:
        if not letter:
            out.append(text)
        elif letter in _MONTH_NAMES:
            key = (language, letter, value.month)
            words = _month_words.get(key)
            if words is None:
                words = _month_words[key] = dateformat.format(date(2000, value.month, 1), letter)
            out.append(words)
        else:
            out.append(_NUMBERS[letter](value))
    return "".join(out)
