"""Opening an export file as a stream of raw rows: CSV (GBK/GB18030 or UTF-8) or xlsx.

Nothing is held in memory beyond one chunk: the CSV is decoded while it is read, the xlsx is
read with openpyxl in read-only mode (a well-kept reader that streams the sheet XML). Each row
comes with its line number in the file (CSV: the line it starts on; xlsx: the sheet row), and
its width is checked against the header: a cut-off or shifted row is refused, never padded.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from cs_console.domain.messages import os_reason, render
from cs_console.domain.order_columns import Header, resolve
from cs_console.domain.order_import import RowError

SNIFF = 64 * 1024
FIELD_LIMIT = csv.field_size_limit()  # 131,072 characters: a bigger cell is refused, not read


class FileProblem(RowError):
    """A problem that stops reading the file; ``line`` is where it was found."""

    def __init__(self, line: int, code: str, **params: object):
        super().__init__(code, **params)
        self.line = line


@dataclass
class RowFile:
    """One opened export: its header, encoding and a one-pass iterator of (line, cells)."""

    path: Path
    encoding: str
    header: Header
    rows: Iterator[tuple[int, list[str]]]
    size: int
    _position: object = field(default=None, repr=False)

    def done(self) -> int:
        """How far the reading got, in the same unit as ``size`` (bytes or sheet rows)."""
        try:
            return min(self.size, self._position()) if self._position else 0
        except ValueError:  # the file was closed: all of it was read
            return self.size


def sniff_encoding(head: bytes) -> str:
    """UTF-8 with BOM, UTF-8, else GB18030 (a superset of GBK/GB2312)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def open_rows(path: Path, kind: str | None = None) -> RowFile:
    """Open ``path``; raises :class:`FileProblem` for an unreadable, empty or header-less file."""
    path = Path(path)
    try:
        raw = path.open("rb")
        head = raw.read(SNIFF)
    except OSError as exc:
        raise FileProblem(0, "import.cannot_read", reason=os_reason(exc)) from None
    if head.startswith(b"PK\x03\x04"):
        raw.close()
        return _open_xlsx(path, kind)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raw.close()
        raise FileProblem(0, "import.old_xls")
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raw.close()
        raise FileProblem(1, "import.empty_file")
    raw.seek(0)
    encoding = sniff_encoding(head)
    size = path.stat().st_size
    text = io.TextIOWrapper(raw, encoding=encoding, newline="")
    reader = csv.reader(text, strict=True)  # a stray or unclosed quote is an error, not a merged row
    try:
        names = next(reader)
    except (csv.Error, UnicodeDecodeError) as exc:
        raw.close()
        raise FileProblem(1, "import.bad_header", reason=render(*_reason(exc, encoding))) from None
    header = resolve(names, kind)
    return RowFile(path, encoding, header, _csv_rows(reader, raw, header.width, encoding), size, raw.tell)


def _reason(exc: Exception, encoding: str) -> tuple[str, dict]:
    """The catalogue code (and parameters) for a decoding or CSV error (the csv module's text
    is English)."""
    if isinstance(exc, UnicodeDecodeError):
        return ("import.not_encoding", {"encoding": encoding}) if encoding != "gb18030" else ("import.not_text", {})
    text = str(exc)
    if "field larger than field limit" in text:
        return "import.cell_too_long", {"limit": FIELD_LIMIT}
    if "unexpected end of data" in text or "EOF" in text:
        return "import.unclosed_quote", {}
    if "expected after" in text:
        return "import.stray_quote", {}
    return "import.csv", {}


class _Width:
    """Every data row has the header's width; a file whose rows all end with one more, empty
    field (the 10-column 宝贝报表's trailing comma) is that width plus the empties, throughout."""

    def __init__(self, header: int):
        self.header, self.rows = header, None

    def check(self, cells: list[str]) -> None:
        n, width = len(cells), self.header
        if n == width and n == self.rows:
            return
        if n < width:
            raise RowError("import.short_row", count=n, width=width)
        if self.rows is None and not any(c.strip() for c in cells[width:]):
            self.rows = n
        if n != self.rows or any(c.strip() for c in cells[width:]):
            raise RowError("import.long_row", count=n, width=width)


def _csv_rows(reader, raw, width: int, encoding: str) -> Iterator[tuple[int, list[str] | RowError]]:
    """(line, cells) per data row, or (line, RowError) for a row of the wrong width."""
    line = reader.line_num
    data = 0
    widths = _Width(width)
    try:
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                break
            except (csv.Error, UnicodeDecodeError) as exc:  # reported where the bad record starts
                code, params = _reason(exc, encoding)
                raise FileProblem(line + 1, code, **params) from None
            start, line = line + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue  # a blank line
            data += 1
            try:
                widths.check(cells)
            except RowError as exc:
                yield start, exc
                continue
            yield start, cells
        if data == 0:
            raise FileProblem(2, "import.no_data")
    finally:
        raw.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return "" if value == "--" else value  # the xlsx exports' empty cell
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        # a number cell above 2**53 has already lost digits (a 19-digit order number typed as a
        # number): keep its float text, so it is refused as unreadable rather than stored wrong
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _open_xlsx(path: Path, kind: str | None) -> RowFile:
    from openpyxl import load_workbook  # lazy: only xlsx imports pay for it

    try:
        book = load_workbook(path, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        it = sheet.iter_rows(values_only=True)
        names: list[str] = []
        row_no = 0
        for values in it:
            row_no += 1
            names = [_cell(v) for v in values]
            if any(n.strip() for n in names):
                break
    except Exception as exc:  # zip/XML errors of a damaged file; nothing of it reached the store
        raise FileProblem(0, "import.bad_xlsx", kind=exc.__class__.__name__) from None
    if not any(n.strip() for n in names):
        book.close()
        raise FileProblem(1, "import.empty_file")
    header = resolve(names, kind)
    position = [row_no]
    total = sheet.max_row or 0

    def rows() -> Iterator[tuple[int, list[str] | RowError]]:
        width, data = header.width, 0
        widths = _Width(width)
        try:
            for n, values in enumerate(it, row_no + 1):
                position[0] = n
                cells = [_cell(v) for v in values]
                if not any(c.strip() for c in cells):
                    continue
                data += 1
                if len(cells) < width:  # a sheet row simply ends at its last filled cell
                    cells += [""] * (width - len(cells))
                try:
                    widths.check(cells)
                except RowError as exc:
                    yield n, exc
                    continue
                yield n, cells
            if data == 0:
                raise FileProblem(row_no + 1, "import.no_data")
        except FileProblem:
            raise
        except Exception as exc:
            raise FileProblem(position[0], "import.bad_xlsx_row", kind=exc.__class__.__name__) from None
        finally:
            book.close()

    return RowFile(path, "xlsx", header, rows(), max(total, 1), lambda: position[0])
