"""Run every benchmark module listed in BENCHES; print a table and JSON.

Each module exposes ``run(progress) -> list[Figure]``. Run one with ``python -m bench NAME``.
"""

from __future__ import annotations

import importlib
import json
import sys
import time

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.common import Figure

BENCHES: list[str] = [
    "startup", "chat", "replies", "orders_import", "postage", "handover_sync", "team", "reports", "goods_import",
]  # modules under bench/, each with run(progress) -> list[Figure]


def main(argv: list[str]) -> int:
    names = argv or BENCHES
    console = Console(stderr=True)
    figures: list[Figure] = []
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("bench", total=len(names))
        for name in names:
            progress.update(task, description=f"bench {name}")
            t0 = time.perf_counter()
            module = importlib.import_module(f"bench.{name}")
            figures.extend(module.run(progress))
            progress.advance(task)
            console.log(f"{name}: {time.perf_counter() - t0:.1f} s")
    table = Table(title="cs-console bench")
    for col in ("bench", "figure", "value", "unit", "goal", "ok"):
        table.add_column(col)
    for f in figures:
        table.add_row(f.bench, f.name, f"{f.value:.3f}" if isinstance(f.value, float) else str(f.value), f.unit,
                      f.goal or "", "" if f.ok is None else ("yes" if f.ok else "NO"))
    Console().print(table)
    print(json.dumps([f.as_dict() for f in figures], ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
