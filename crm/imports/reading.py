"""Reading an uploaded table: CSV (encoding, delimiter and decimal comma detected unless chosen)
or XLSX (the first sheet, through openpyxl). Every cell comes out as a stripped string, so the
forms see what a person would have typed."""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from crm.errors import DomainError
from crm.ui.export import FORMULA_STARTS

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252")
DELIMITERS = (",", ";", "\t", "|")
# How many rows the decimal-comma guess looks at.
SAMPLE_ROWS = 50

_COMMA_NUMBER = re.compile(r"^-?\d{1,3}(\.\d{3})*,\d+$|^-?\d+,\d+$")
_POINT_NUMBER = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d+$|^-?\d+\.\d+$")


class UnreadableFile(DomainError):
    pass


# What the CSV reader reads otherwise than as plain lines cut at the delimiter.
_QUOTED_OR_SPECIAL = re.compile('["\r\x00]')


@dataclass
class Table:
    headers: list[str]
    encoding: str = ""
    delimiter: str = ""
    decimal_comma: bool = False
    _rows: list[list[str]] | None = field(default=None, repr=False)
    _text: str = field(default="", repr=False)
    _xlsx: bytes = field(default=b"", repr=False)

    def _source(self) -> Iterator[list[str]]:
        """The file's rows after the header, as read (cells not stripped, blank rows kept)."""
        if self._xlsx:
            source = _xlsx_rows(self._xlsx)
        else:
            source = csv.reader(io.StringIO(self._text), delimiter=self.delimiter)
        next(source, None)
        return source

    def rows(self) -> Iterator[list[str]]:
        """The data rows (the header left out), each padded to the headers' width."""
        width = len(self.headers)
        strip = str.strip
        for row in self._source():
            # A row is blank when every cell is, i.e. when the cells joined are: one C call
            # per row instead of a generator over its cells (an import reads a million rows).
            joined = "".join(row)
            if not strip(joined):
                continue  # blank lines at the end of a spreadsheet's export
            cells = list(map(strip, row[:width]))
            if "'" in joined:
                cells = [_unescaped(cell) for cell in cells]
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            yield cells

    def count(self) -> int:
        """How many rows ``rows`` yields, without making them."""
        strip = str.strip
        text = self._text
        if text and not _QUOTED_OR_SPECIAL.search(text):
            # No quote, carriage return or NUL: each line is one row, its cells the line cut at
            # the delimiter, blank when the line less its delimiters is. Counted from the lines,
            # several times faster than the reader (an import counts its rows before it starts).
            delimiter = self.delimiter
            lines = text.split("\n")
            return sum(1 for line in lines[1:] if strip(line.replace(delimiter, "")))
        return sum(1 for row in self._source() if strip("".join(row)))

    def preview(self, n: int = 5) -> list[list[str]]:
        out = []
        for row in self.rows():
            out.append(row)
            if len(out) == n:
                break
        return out


def _unescaped(cell: str) -> str:
    """A cell as it was before a CSV export made it plain text: the apostrophe that the export
    puts before text a spreadsheet would run as a formula (``crm.ui.export.escape_csv_text``:
    every phone number, "+4930…") is not part of the value, so a list exported and imported
    again reads the same."""
    if cell[:1] == "'" and cell[1:2] and cell[1:].startswith(FORMULA_STARTS):
        return cell[1:]
    return cell


def detect_encoding(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def detect_decimal_comma(rows: list[list[str]]) -> bool:
    comma = point = 0
    for row in rows:
        for cell in row:
            if _COMMA_NUMBER.match(cell):
                comma += 1
            elif _POINT_NUMBER.match(cell):
                point += 1
    return comma > point


def to_decimal_text(value: str, *, decimal_comma: bool) -> str:
    """``1.234,50`` (decimal comma) or ``1,234.50`` as ``1234.50``: what a form's DecimalField
    parses. Anything else is handed on unchanged for the form to refuse."""
    value = value.replace(" ", "").replace("\u00a0", "")
    if decimal_comma:
        if _COMMA_NUMBER.match(value) or re.match(r"^-?\d{1,3}(\.\d{3})+$", value):
            return value.replace(".", "").replace(",", ".")
        return value
    if _POINT_NUMBER.match(value) or re.match(r"^-?\d{1,3}(,\d{3})+$", value):
        return value.replace(",", "")
    return value


def as_decimal(text: str):
    """``text`` as read by ``to_decimal_text`` as a Decimal, which a form's decimal field takes
    as it is whatever the page's language; text that is no number stays text to be refused."""
    try:
        return Decimal(text) if text.strip() else text
    except ArithmeticError:
        return text


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        # 12.0 -> "12", 0.1 -> "0.1": the shortest text that reads back as the same number.
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    import openpyxl

    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield [_cell_text(value) for value in row]
    finally:
        workbook.close()


def is_xlsx(filename: str, data: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or data[:2] == b"PK"


def read_table(
    data: bytes,
    *,
    filename: str = "",
    encoding: str | None = None,
    delimiter: str | None = None,
    decimal_comma: bool | None = None,
) -> Table:
    """The file's table; options left as None are detected."""
    if is_xlsx(filename, data):
        try:
            rows = _xlsx_rows(data)
            headers = next(rows, [])
        except Exception as error:  # openpyxl raises many kinds for a broken file
            raise UnreadableFile(_("This is not a readable XLSX file.")) from error
        table = Table(headers=[h.strip() for h in headers], _xlsx=data)
        sample = table.preview(SAMPLE_ROWS)
        table.decimal_comma = (
            detect_decimal_comma(sample) if decimal_comma is None else decimal_comma
        )
    else:
        encoding = encoding or detect_encoding(data)
        try:
            text = data.decode(encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise UnreadableFile(
                _("The file cannot be read as %(encoding)s: choose another encoding.")
                % {"encoding": encoding}
            ) from error
        text = text.lstrip("\ufeff")
        first_line = text.split("\n", 1)[0]
        delimiter = delimiter or detect_delimiter(first_line)
        reader = csv.reader(io.StringIO(text), delimiter=delimiter)
        try:
            headers = next(reader, [])
        except csv.Error as error:
            raise UnreadableFile(_("The file is not a readable CSV file.")) from error
        table = Table(
            headers=[h.strip() for h in headers],
            encoding=encoding,
            delimiter=delimiter,
            _text=text,
        )
        try:
            sample = table.preview(SAMPLE_ROWS)
        except csv.Error as error:
            raise UnreadableFile(_("The file is not a readable CSV file.")) from error
        table.decimal_comma = (
            detect_decimal_comma(sample) if decimal_comma is None else decimal_comma
        )
    if not any(table.headers):
        raise UnreadableFile(_("The file is empty: its first row must name the columns."))
    return table
