"""``python -m bench [NAME ...] [--sizes demo,10k,100k] [--backends sqlite,postgresql] [--quick]``

Runs the bench modules (all, or those named), prints one table and the same figures as JSON
(also written to ``bench/results/bench-<time>.json``). A bench module is any ``bench/<name>.py``
with a ``run(ctx)`` function returning ``list[Figure]`` (``bench.common``); ``ctx`` carries the
sizes, backends, quick mode, a scratch folder and the progress bars. Drop a module in and it is
found: ``REGISTRY`` below only fixes the order of the known ones.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from bench.common import Context, Figure
from bench.stores import RESULTS, SIZES

# run order of the known modules; any other bench/<name>.py with run(ctx) follows
REGISTRY: list[str] = ["feel", "locked", "replies", "handover_sync", "reports", "cli_start", "chat", "orders_import",
                       "postage", "team"]
NOT_BENCHES = {"common", "stores", "terminal", "anchor_app", "startup_child", "cli_child", "soak_agent", "desk_child"}
DEFAULT_SIZES = "demo,10k,100k"


def discover() -> list[str]:
    found = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)])
             if not m.name.startswith("_") and m.name not in NOT_BENCHES]
    return [n for n in REGISTRY if n in found] + sorted(n for n in found if n not in REGISTRY)


def _fmt(v) -> str:
    if v is None:
        return ""
    return f"{v:.3f}".rstrip("0").rstrip(".") if isinstance(v, float) else str(v)


def table(figures: list[Figure]) -> Table:
    t = Table(title="cs-console bench")
    for col in ("bench", "size", "db", "figure", "min", "median", "p99", "unit", "anchor", "ratio", "goal", "ok"):
        t.add_column(col, overflow="fold")
    for f in figures:
        t.add_row(f.bench, f.size, f.backend, f.name, _fmt(f.min), _fmt(f.value), _fmt(f.p99), f.unit,
                  _fmt(f.anchor), _fmt(f.ratio), f.goal or "", "" if f.ok is None else ("yes" if f.ok else "NO"))
    return t


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"bench modules (default all: {', '.join(discover())})")
    ap.add_argument("--sizes", default=None, help=f"store sizes from {', '.join(SIZES)} (default {DEFAULT_SIZES}; quick: demo)")
    ap.add_argument("--backends", default="sqlite", help="sqlite and/or postgresql (a throwaway local cluster)")
    ap.add_argument("--quick", action="store_true", help="fewer repetitions, demo size unless --sizes")
    ap.add_argument("--list", action="store_true", help="list the bench modules and exit")
    args = ap.parse_args(argv)
    if args.list:
        print("\n".join(discover()))
        return 0
    sizes = (args.sizes or ("demo" if args.quick else DEFAULT_SIZES)).split(",")
    backends = args.backends.split(",")
    bad = [s for s in sizes if s not in SIZES] + [b for b in backends if b not in ("sqlite", "postgresql")]
    names = args.names or discover()
    bad += [n for n in names if n not in discover()]
    if bad:
        ap.error(f"unknown: {', '.join(bad)}")
    console = Console(stderr=True)
    figures: list[Figure] = []
    folder = Path(tempfile.mkdtemp(prefix="cs-bench-"))
    with Progress(console=console, transient=True) as progress:
        ctx = Context(progress, sizes, backends, args.quick, folder)
        task = progress.add_task("bench", total=len(names))
        try:
            for name in names:
                progress.update(task, description=f"bench {name}")
                t0 = time.perf_counter()
                run = importlib.import_module(f"bench.{name}").run
                takes_ctx = next(iter(inspect.signature(run).parameters), "") == "ctx"
                figures.extend(run(ctx) if takes_ctx else run(progress))
                progress.advance(task)
                console.log(f"{name}: {time.perf_counter() - t0:.1f} s")
        finally:
            ctx.close()
    Console(width=None if sys.stdout.isatty() else 220).print(table(figures))
    out = json.dumps([f.as_dict() for f in figures], ensure_ascii=False, indent=1)
    print(out)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}.json").write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
