"""Reading and writing the tables counties publish: XLSX (what they keep) or CSV, Chinese headers.

County lists often carry a title line or two above the header (“雨湖区乡镇（街道）赋权事项清单”),
so the header is the first of the top rows that names the required columns; row numbers are the
spreadsheet's own, so an error says “row 57” where the clerk sees row 57.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from gridsvc.errors import Invalid, TooLarge

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADER_SEARCH_ROWS = 10
XLSX_MAGIC = b"PK\x03\x04"
# What openpyxl raises for a damaged or foreign archive.
BROKEN_XLSX = (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError, OSError)


def _cell_text(value) -> str:
    """A cell as the clerk sees it: 330217001.0 from a numeric cell is the code 330217001."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("The file is neither UTF-8 nor GB18030 text.", code="catalogue.file_encoding")


def _raw_rows(raw: bytes) -> Iterator[list[str]]:
    if raw.startswith(XLSX_MAGIC):
        try:
            book = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        except BROKEN_XLSX as exc:
            raise Invalid(
                f"The file is not a readable XLSX workbook ({type(exc).__name__}).",
                code="catalogue.file_unreadable",
            ) from None
        try:
            for values in book.worksheets[0].iter_rows(values_only=True):
                yield [_cell_text(v) for v in values]
        except BROKEN_XLSX as exc:
            raise Invalid(
                f"The workbook's sheet cannot be read ({type(exc).__name__}).",
                code="catalogue.file_unreadable",
            ) from None
        finally:
            book.close()
        return
    yield from ([c.strip() for c in r] for r in csv.reader(io.StringIO(_decode(raw))))


def read_table(
    raw: bytes, aliases: dict[str, str], required: Sequence[str]
) -> tuple[list[tuple[int, dict[str, str]]], list[str]]:
    """Rows as (spreadsheet row number, {column key: text}), and the headers found.

    ``aliases`` maps every accepted header (Chinese or English) to its column key; ``required``
    names the keys that must be present.
    """
    if len(raw) > MAX_BYTES:
        raise TooLarge(f"The file exceeds {MAX_BYTES} bytes.", code="catalogue.file_too_large")
    keys: list[str | None] | None = None
    headers: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(_raw_rows(raw), start=1):
        if keys is None:
            found = [aliases.get(c.replace(" ", "")) for c in cells]
            if set(required) <= set(found):
                keys, headers = found, cells
            elif number >= HEADER_SEARCH_ROWS:
                break
            continue
        if not any(cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise TooLarge(f"At most {MAX_ROWS} rows.", code="catalogue.too_many_rows")
        rows.append((number, {k: c for k, c in zip(keys, cells, strict=False) if k}))
    if keys is None:
        names = "、".join(required)
        raise Invalid(
            f"No header row with the columns {names} in the first {HEADER_SEARCH_ROWS} rows.",
            code="catalogue.file_columns",
            errors={"file": [f"needs the columns {names}"]},
        )
    return rows, headers


def write_xlsx(title: str, header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def write_csv(header: Sequence[str], rows: Sequence[Sequence]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
