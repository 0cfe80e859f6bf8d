"""crm.ui.moments writes what Django writes: ``relative_time`` and ``dateformat.format`` for
many moments, in English and Indonesian, byte for byte (its kept words included)."""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import dateformat, translation
from django.utils.formats import get_format

from crm.templatetags.timeline_tags import relative_time
from crm.ui import moments
from crm.ui.moments import format_moment, kept_relative_time

NOW = datetime(2026, 3, 29, 1, 30, 15, 250000, tzinfo=UTC)
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")  # 29 March 2026: summer time begins at 01:00 UTC


def _moments_before(now):
    steps = [0, 1, 59, 60, 61, 119, 120, 3599, 3600, 3601, 7199, 86399, 86400, 86401]
    steps += [604799, 604800, 604801, 26 * 86400 + 86399, 27 * 86400, 27 * 86400 + 1]
    steps += [28 * 86400 - 1, 28 * 86400, 31 * 86400, 45 * 86400, 400 * 86400]
    found = [now - timedelta(seconds=s) for s in steps]
    found += [now - timedelta(seconds=s, microseconds=999999) for s in steps]
    found += [now + timedelta(seconds=s) for s in (30, 61, 3600, 90000)]
    found += [now - timedelta(minutes=37 * k + 13) for k in range(0, 1200, 7)]
    return found


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("now", [NOW, NOW.astimezone(JAKARTA), NOW.astimezone(BERLIN)])
@pytest.mark.parametrize("zone", [UTC, JAKARTA, BERLIN])
def test_relative_time_words_are_djangos(language, now, zone):
    moments._ago_words.clear()
    with translation.override(language):
        for _round in range(2):  # the second round reads the kept words
            for value in _moments_before(now):
                value = value.astimezone(zone)
                assert kept_relative_time(value, now=now, language=language) == relative_time(
                    value, now=now
                ), value
    assert kept_relative_time(None, now=NOW, language="en") == ""


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_kept_word_is_kept_per_language(language):
    moments._ago_words.clear()
    value = NOW - timedelta(days=3)
    with translation.override("en"):
        english = kept_relative_time(value, now=NOW, language="en")
    with translation.override("id"):
        indonesian = kept_relative_time(value, now=NOW, language="id")
    assert english != indonesian
    with translation.override(language):
        assert kept_relative_time(value, now=NOW, language=language) == relative_time(
            value, now=NOW
        )


FORMATS = [
    "DATETIME_FORMAT",
    "DATE_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "SHORT_DATE_FORMAT",
    "TIME_FORMAT",
]


@pytest.mark.parametrize("language", ["en", "id"])
def test_a_moment_is_written_as_dateformat_writes_it(language):
    moments._month_words.clear()
    with translation.override(language):
        formats = [get_format(name) for name in FORMATS]
        formats += ["j F Y, H:i", r"\j\F j N M b E n m d y Y G H i s", "l D, P A e O T"]
        values = [
            datetime(2026, m, d, h, mi, s, tzinfo=UTC)
            for m, d, h, mi, s in (
                (1, 1, 0, 0, 0),
                (2, 9, 9, 5, 7),
                (3, 29, 1, 30, 15),
                (5, 31, 12, 0, 59),
                (9, 30, 23, 59, 1),
                (12, 31, 13, 7, 0),
            )
        ]
        values += [v.astimezone(JAKARTA) for v in values] + [v.astimezone(BERLIN) for v in values]
        values += [datetime(5, 7, 8, 9, 10), datetime(2026, 10, 25, 2, 30)]
        for _round in range(2):
            for format_string in formats:
                for value in values:
                    assert format_moment(
                        value, format_string, language=language
                    ) == dateformat.format(value, format_string), (format_string, value)
        day = date(2026, 4, 5)
        for format_string in (get_format("DATE_FORMAT"), "N E M b F d j m n y Y"):
            assert format_moment(day, format_string, language=language) == dateformat.format(
                day, format_string
            )
        with pytest.raises(TypeError):
            format_moment(day, "j F Y, H:i", language=language)
