"""English as an international sales team writes it: day before month, 24-hour clock (Django's
own ``en`` is American: 12/02/2026, 3:15 p.m.). Dates are typed day first too (the first input
format is the one date inputs show and name, ``crm.forms.DateInput``); ISO dates are always read
(Django adds them), American month-first ones never, since 12/02/2026 would mean two days."""

DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
FIRST_DAY_OF_WEEK = 1
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_INPUT_FORMATS = [
    "%d/%m/%Y",  # 25/12/2026
    "%d/%m/%y",  # 25/12/26
    "%d.%m.%Y",  # 25.12.2026
    "%d-%m-%Y",  # 25-12-2026
    "%d %b %Y",  # 25 Dec 2026
    "%d %B %Y",  # 25 December 2026
]
