"""Bahasa Indonesia: Django's formats, with months shortened as Indonesian writes them ("25 Des
2026"; Django's ``N`` adds an English-style full stop, "Des."), a 24-hour clock written with a
colon as Indonesian business software shows it, and day-first short dates with slashes. Dates are typed day first
(Django's ``id`` also reads month-first American dates, which would make 02/12/2026 two days);
ISO dates are always read."""

DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 25/12/2026
    "%d/%m/%y",  # 25/12/26
    "%d-%m-%Y",  # 25-12-2026
    "%d-%m-%y",  # 25-12-26
    "%d.%m.%Y",  # 25.12.2026
]
