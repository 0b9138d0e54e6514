"""Importing the seller backend's export: 订单报表 and 宝贝报表 of any era, CSV or xlsx.

The files are streamed (one chunk of rows in memory at a time) into the staging tables of
``store.order_staging``; every row is parsed and checked by ``domain.order_import``. Any problem
— a bad value, a cut-off or shifted row, a repeated order or item row, an item whose order is
unknown, an empty file, a missing required column — is ``FILE:LINE: reason`` and nothing is
written (unless ``skip_bad``: then the good rows are). The store changes in short
transactions of whole orders at the end, with an audit row for every field a re-import changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from cs_console.domain.messages import render
from cs_console.domain.order_import import ItemRows, OrderRows, Rejected, RowError
from cs_console.domain.text import one_line
from cs_console.services.order_files import FileProblem, RowFile, open_rows
from cs_console.store.engine import Store
from cs_console.store.order_staging import Staging, item_key, stage_items, stage_orders

Progress = Callable[[int, int], None]  # (done, total)
BATCH = 5000
MAX_REJECTED = 1000  # reasons kept for the report; the count is always exact


@dataclass(slots=True)
class ImportSummary:
    imported: int = 0
    updated: int = 0
    items: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    rejected_count: int = 0
    encoding: dict[str, str] = field(default_factory=dict)
    layout: dict[str, str] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    locked_seconds: float = 0.0  # the longest write transaction of the merge (the store's lock)
    unreadable: bool = False  # a file could not be read to its end: refused even with skip_bad

    def reject(self, file: str, line: int, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTED:  # reasons quote cells: shown without their escapes
            self.rejected.append(Rejected(file, line, reason if reason.isprintable() else one_line(reason)))

    def as_dict(self) -> dict:
        return {"imported": self.imported, "updated": self.updated, "items": self.items,
                "layout": self.layout, "encoding": self.encoding, "ignored_columns": self.ignored_columns,
                "rejected_count": self.rejected_count,
                "rejected": [{"file": r.file, "line": r.line, "reason": r.reason} for r in self.rejected]}


class ImportRejected(ValueError):
    """Bad rows and no ``skip_bad``: nothing was written."""

    def __init__(self, rejected: list[Rejected], count: int | None = None):
        self.rejected = rejected
        self.count = len(rejected) if count is None else count
        super().__init__("\n".join(str(r) for r in rejected))


def _open(path: Path, kind: str, summary: ImportSummary) -> RowFile:
    name = str(path)
    try:
        source = open_rows(path)
    except FileProblem as exc:
        raise ImportRejected([Rejected(name, exc.line, str(exc))]) from None
    header = source.header
    if header.kind != kind:
        code = "import.is_items_file" if kind == "orders" else "import.is_orders_file"
        raise ImportRejected([Rejected(name, 1, render(code))])
    if header.missing:
        raise ImportRejected([Rejected(name, 1, render("import.missing_columns", columns="、".join(header.missing)))])
    summary.encoding[name] = source.encoding
    summary.layout[name] = header.layout()
    if header.unknown:
        summary.ignored_columns[name] = list(header.unknown)
    return source


def import_files(store: Store, tz: str, now: Callable[[], datetime], orders_path: Path,
                 items_path: Path | None = None, *, skip_bad: bool = False,
                 progress: Progress | None = None) -> ImportSummary:
    """Import the backend's export; all-or-nothing unless ``skip_bad``."""
    summary = ImportSummary()
    sources = [_open(Path(orders_path), "orders", summary)]
    if items_path is not None:
        sources.append(_open(Path(items_path), "items", summary))
    read_total = sum(s.size for s in sources)
    merge_share = max(1, read_total // 4)  # the merge takes about a fifth of an import
    total = read_total + merge_share
    base = 0

    def report(source: RowFile) -> None:
        if progress:
            progress(base + source.done(), total)

    with Staging(store) as stage:
        for source in sources:
            _stage_file(stage, source, tz, summary, lambda s=source: report(s))
            base += source.size
        stage.index()
        checks = [(stage.repeated_orders, sources[0], stage_orders)]
        if len(sources) > 1:
            checks += [(stage.repeated_items, sources[1], stage_items), (stage.unlinked_items, sources[1], stage_items)]
        for check, source, table in checks:
            found = check()
            for line, reason in found:
                summary.reject(str(source.path), line, reason)
            if found and skip_bad:
                stage.drop_lines(table, [line for line, _ in found])
        summary.rejected.sort(key=lambda r: (r.file != str(sources[0].path), r.line))
        if summary.rejected_count and (summary.unreadable or not skip_bad):
            raise ImportRejected(summary.rejected, summary.rejected_count)
        orders, summary.items = stage.counts()
        if orders == 0 and summary.items == 0:
            raise ImportRejected(summary.rejected or [Rejected(str(sources[0].path), 2, render("import.no_rows"))],
                                 summary.rejected_count)
        def merged(k: int, n: int) -> None:
            if progress:
                progress(read_total + merge_share * k // n, total)

        summary.imported, summary.updated, summary.locked_seconds = stage.merge(
            now(), Path(orders_path).name, merged)
    if progress:
        progress(total, total)
    return summary


def _stage_file(stage: Staging, source: RowFile, tz: str, summary: ImportSummary, tick: Callable[[], None]) -> None:
    name = str(source.path)
    is_orders = source.header.kind == "orders"
    parser = OrderRows(source.header, tz) if is_orders else ItemRows(source.header)
    parse = parser.parse
    add = stage.add_orders if is_orders else stage.add_items
    batch: list = []
    try:
        for line, cells in source.rows:
            if isinstance(cells, RowError):
                summary.reject(name, line, str(cells))
                continue
            try:
                row = parse(line, cells)
            except RowError as exc:
                summary.reject(name, line, str(exc))
                continue
            batch.append(row if is_orders else (row, item_key(row, cells)))
            if len(batch) >= BATCH:
                add(batch)
                batch = []
                tick()
    except FileProblem as exc:  # the rest of the file cannot be read: never a partial import
        summary.reject(name, exc.line, str(exc))
        summary.unreadable = True
        return
    add(batch)
    tick()
