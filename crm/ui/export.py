"""Lists out as files: the rows a list page shows, as CSV or XLSX, a million as cheaply as ten.

A list describes its spreadsheet once (``Export``: a file name and its ``Column``s, each a path
that ``values_list`` reads) and both formats are written from that. The rows are the list's own
queryset (the company, the user's access level, the filters, the search and the sort), read in
one query with ``.iterator()`` in chunks, so memory stays flat however many rows there are:

- CSV goes out as it is written (``StreamingHttpResponse``), UTF-8 with a byte-order mark so
  that Excel reads the accents right; dates and times in ISO 8601 (local time, with its offset).
- XLSX goes out as it is written too: a small workbook writer below puts the sheet's rows into
  a zip that is streamed as it grows; dates are real dates, amounts real numbers.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to a spreadsheet ("formula injection": a lead named ``=HYPERLINK(...)``). In CSV such
text gets a leading apostrophe, which spreadsheets read as "this is text" and do not show; in
XLSX it is written as a string cell with the quote-prefix style (what Excel itself does when one
types an apostrophe), never as a formula. Numbers stay numbers: -5 is a number cell, not text.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)

# Rows fetched from the database at a time, and CSV rows sent to the client at a time.
CHUNK_SIZE = 2000
# An XLSX sheet holds 1,048,576 rows, one of them the header.
XLSX_MAX_ROWS = 1_048_575
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def escape_csv_text(text: str) -> str:
    """Text a spreadsheet would run as a formula, made plain text with a leading apostrophe."""
    return "'" + text if is_formula_like(text) else text


class ColumnKind:
    """How a column's values are written."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"


@dataclass(frozen=True)
class Column:
    """One spreadsheet column: its header (translated when the file is written), the
    ``values_list`` path it reads (a field, a related field such as ``salesperson__name``, or an
    annotation of the list's queryset) and, where the path is not a model field, its ``kind``.
    A field with choices is written as its label."""

    label: Any
    path: str
    kind: str | None = None


def _field_at(model: type[models.Model], path: str) -> models.Field | None:
    field = None
    for name in path.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except Exception:  # an annotation, not a field
            return None
        model = field.related_model
    return field


def _kind_of(field: models.Field | None) -> str:
    if isinstance(field, models.BooleanField):
        return ColumnKind.BOOLEAN
    if isinstance(field, models.DateTimeField):
        return ColumnKind.DATETIME
    if isinstance(field, models.DateField):
        return ColumnKind.DATE
    if isinstance(field, models.DecimalField | models.IntegerField | models.FloatField):
        return ColumnKind.NUMBER
    return ColumnKind.TEXT


@dataclass(frozen=True)
class Export:
    """A list's spreadsheet: ``name`` starts the file name (``leads-2026-12-02.csv``)."""

    name: str
    columns: tuple[Column, ...]

    def __init__(self, name: str, columns: Sequence[Column]):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "columns", tuple(columns))

    def rows(self, queryset: models.QuerySet) -> Iterator[tuple]:
        """The queryset's rows as tuples in column order: one query, read in chunks."""
        paths = [column.path for column in self.columns]
        return queryset.values_list(*paths).iterator(chunk_size=CHUNK_SIZE)

    def headers(self) -> list[str]:
        return [str(column.label) for column in self.columns]

    def converters(self, model: type[models.Model], fmt: str) -> list[Callable[[Any], Any]]:
        """Per column, what turns a database value into the cell's value for ``fmt``."""
        converters = []
        for column in self.columns:
            field = _field_at(model, column.path)
            choices = dict(field.flatchoices) if field is not None and field.choices else None
            kind = column.kind or _kind_of(field)
            converters.append(_converter(kind, fmt, choices))
        return converters

    def filename(self, fmt: str) -> str:
        return f"{self.name}-{timezone.localdate().isoformat()}.{fmt}"


def _converter(kind: str, fmt: str, choices: dict | None) -> Callable[[Any], Any]:
    """CSV: the cell's text. XLSX: the rest of the cell's XML after its reference (or None)."""
    text = _csv_text if fmt == CSV else _xlsx_text_cell
    if choices:
        labels = {value: str(label) for value, label in choices.items()}
        return lambda value: text(None if value is None else labels.get(value, str(value)))
    if kind == ColumnKind.BOOLEAN:
        yes, no = _("Yes"), _("No")
        return lambda value: text(None if value is None else (yes if value else no))
    if kind == ColumnKind.NUMBER:
        return _csv_number if fmt == CSV else _xlsx_number_cell
    if kind == ColumnKind.DATETIME:
        return _csv_datetime if fmt == CSV else _xlsx_datetime_cell
    if kind == ColumnKind.DATE:
        return _csv_date if fmt == CSV else _xlsx_date_cell
    return text


def _csv_text(value) -> str:
    return "" if value is None else escape_csv_text(str(value))


def _csv_number(value) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return str(value)
    return escape_csv_text(str(value))


def _csv_date(value: date | None) -> str:
    return "" if value is None else value.isoformat()


def _csv_datetime(value: datetime | None) -> str:
    if value is None:
        return ""
    return timezone.localtime(value).replace(microsecond=0).isoformat()


# --- CSV ---------------------------------------------------------------------------------------


class _Line:
    """A file for csv.writer whose write() hands back what it was given: one row, as text."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(export: Export, queryset: models.QuerySet) -> Iterator[str]:
    """The file as text, the byte-order mark and header first, then ``CHUNK_SIZE`` rows at a
    time."""
    writer = csv.writer(_Line())
    converters = export.converters(queryset.model, CSV)
    yield "\ufeff" + writer.writerow(export.headers())
    batch = []
    for row in export.rows(queryset):
        batch.append(
            writer.writerow(
                [convert(value) for convert, value in zip(converters, row, strict=True)]
            )
        )
        if len(batch) >= CHUNK_SIZE:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _attachment(response, filename: str):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # A spreadsheet of the company's rows is not for shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def csv_response(export: Export, queryset: models.QuerySet) -> StreamingHttpResponse:
    response = StreamingHttpResponse(csv_chunks(export, queryset), content_type=CSV_CONTENT_TYPE)
    return _attachment(response, export.filename(CSV))


# --- XLSX --------------------------------------------------------------------------------------
#
# Written here rather than with openpyxl: its write-only workbook serialises each cell through
# an XML element tree (about 3,000 rows a second here, minutes for a million rows) and can only
# save the zip at the end. This writes the few parts a workbook needs, the sheet row by row as
# XML text, into a zip that is sent as it is written (zipfile writes to a stream it cannot seek
# with data descriptors), so XLSX streams like CSV. openpyxl reads the result back in the tests.

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# Rows of sheet XML compressed at a time (a few hundred KiB of text).
_XML_BATCH = 250
# Cell styles (indexes into styles.xml's cellXfs).
_STYLE_HEADER, _STYLE_DATE, _STYLE_DATETIME, _STYLE_QUOTED = 1, 2, 3, 4

_CONTENT_TYPES = (
    f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_OFFICE}.sheet.main+xml"/>'
    f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_OFFICE}.worksheet+xml"/>'
    f'<Override PartName="/xl/styles.xml" ContentType="{_OFFICE}.styles+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    f'{_XML_HEAD}<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    f'<Relationship Id="rId1" Type="{_RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_RELATIONSHIPS}/styles" Target="styles.xml"/>'
    "</Relationships>"
)
_STYLES = (
    f'{_XML_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Characters XML 1.0 cannot hold (all control characters but tab, line feed and return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_EXCEL_EPOCH = datetime(1899, 12, 30)
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _xml_text(value: str) -> str:
    text = _NOT_XML.sub("", value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A bare carriage return would be read back as a line feed.
    return text.replace("\r", "&#13;")


def _xlsx_text_cell(value) -> str | None:
    """The rest of a ``<c r="…"`` element holding ``value`` as text (None: no cell)."""
    if value is None:
        return None
    text = str(value)
    if not text:
        return None
    # Text that looks like a formula is only ever a string cell here; the quote-prefix style
    # also keeps it text when someone edits the cell in Excel.
    style = f' s="{_STYLE_QUOTED}"' if is_formula_like(text) else ""
    return f'{style} t="inlineStr"><is><t xml:space="preserve">{_xml_text(text)}</t></is></c>'


def _xlsx_number_cell(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return f"><v>{value}</v></c>"
    return _xlsx_text_cell(value)


def _serial(moment: datetime) -> str:
    delta = moment - _EXCEL_EPOCH
    return repr(delta.days + delta.seconds / 86400)


def _xlsx_date_cell(value) -> str | None:
    if value is None:
        return None
    return f' s="{_STYLE_DATE}"><v>{(value - _EXCEL_EPOCH.date()).days}</v></c>'


def _xlsx_datetime_cell(value) -> str | None:
    """Excel knows no time zones: the local wall-clock time, as the list shows it."""
    if value is None:
        return None
    if timezone.is_aware(value):
        value = timezone.make_naive(value)
    return f' s="{_STYLE_DATETIME}"><v>{_serial(value.replace(microsecond=0))}</v></c>'


def _column_letters(count: int) -> list[str]:
    letters = []
    for index in range(1, count + 1):
        name = ""
        while index:
            index, remainder = divmod(index - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


class _Pipe(io.RawIOBase):
    """Where the zip is written: the bytes are collected until the response takes them."""

    def __init__(self):
        super().__init__()
        self._chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _sheet_name(name: str) -> str:
    return _SHEET_NAME_FORBIDDEN.sub("-", name)[:31] or "Sheet1"


def xlsx_chunks(export: Export, queryset: models.QuerySet) -> Iterator[bytes]:
    """The workbook as bytes, about ``CHUNK_SIZE`` rows at a time."""
    pipe = _Pipe()
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr(
            "xl/workbook.xml",
            f'{_XML_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
            f'<sheet name="{_xml_text(_sheet_name(export.name))}" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", _STYLES)
        yield pipe.take()

        letters = _column_letters(len(export.columns))
        converters = export.converters(queryset.model, XLSX)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            header = "".join(
                f'<c r="{letter}1" s="{_STYLE_HEADER}" t="inlineStr"><is><t>'
                f"{_xml_text(label)}</t></is></c>"
                for letter, label in zip(letters, export.headers(), strict=True)
            )
            sheet.write(
                (
                    f'{_XML_HEAD}<worksheet xmlns="{_MAIN}"><sheetViews>'
                    '<sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
                    f'<sheetData><row r="1">{header}</row>'
                ).encode()
            )
            batch = []
            number = 1
            for row in export.rows(queryset):
                number += 1
                cells = []
                for letter, convert, value in zip(letters, converters, row, strict=True):
                    cell = convert(value)
                    if cell is not None:
                        cells.append(f'<c r="{letter}{number}"{cell}')
                batch.append(f'<row r="{number}">{"".join(cells)}</row>')
                if len(batch) >= _XML_BATCH:
                    sheet.write("".join(batch).encode())
                    batch = []
                    if number % CHUNK_SIZE < _XML_BATCH:
                        yield pipe.take()
            batch.append("</sheetData></worksheet>")
            sheet.write("".join(batch).encode())
    yield pipe.take()


def xlsx_response(export: Export, queryset: models.QuerySet) -> StreamingHttpResponse:
    response = StreamingHttpResponse(xlsx_chunks(export, queryset), content_type=XLSX_CONTENT_TYPE)
    return _attachment(response, export.filename(XLSX))


def export_response(export: Export, queryset: models.QuerySet, fmt: str):
    if fmt == CSV:
        return csv_response(export, queryset)
    if fmt == XLSX:
        return xlsx_response(export, queryset)
    raise ValueError(f"unknown export format {fmt!r}")


def export_links(query: Iterable[tuple[str, str]], formats: Sequence[str] = FORMATS):
    """(format, label, query string) for each format: the list's query without its page (and
    without the empty fields a filter form sends, which filter nothing)."""
    from django.http import QueryDict

    links = []
    for fmt in formats:
        params = QueryDict(mutable=True)
        for key, value in query:
            if key not in ("page", "export") and value != "":
                params.appendlist(key, value)
        params["export"] = fmt
        label = _("Export CSV") if fmt == CSV else _("Export XLSX")
        links.append((fmt, label, "?" + params.urlencode()))
    return links
