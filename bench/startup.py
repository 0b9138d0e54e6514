"""Cold start to first frame: cs-console vs a bare Textual app started the same way."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Figure, median
from cs_console.services.desk import make_desk

RUNS = 7


def _time(args: list[str]) -> float:
    """Seconds from spawning the child to the frame it reports (wall clock)."""
    env = dict(os.environ, TEXTUAL_DRIVER="textual.drivers.headless_driver:HeadlessDriver")
    t0 = time.time()
    out = subprocess.run([sys.executable, "-m", "bench.startup_child", *args], check=True, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return float(out.strip().splitlines()[-1]) - t0


def run(progress) -> list[Figure]:
    folder = Path(tempfile.mkdtemp(prefix="cs-bench-start-"))
    db = str(folder / "start.db")
    desk = make_desk(db)
    for i in range(20):
        desk.chats.inject(f"买家{i}", "在吗")
    desk.close()
    for args in (["bare"], ["first-frame", db], ["desk-ready", db]):
        _time(args)  # warm the bytecode cache
    bare, ours, ready = [], [], []
    task = progress.add_task("start-up", total=RUNS)
    for _ in range(RUNS):
        bare.append(_time(["bare"]))
        ours.append(_time(["first-frame", db]))
        ready.append(_time(["desk-ready", db]))
        progress.advance(task)
    b, o, r = median(bare), median(ours), median(ready)
    ratio = o / b
    return [
        Figure("startup", "bare Textual app, start → first frame (median)", round(b * 1000, 1), "ms"),
        Figure("startup", "cs-console, start → first frame (median)", round(o * 1000, 1), "ms"),
        Figure("startup", "ratio cs-console / bare", round(ratio, 2), "x", "≤ 1.5", ratio <= 1.5),
        Figure("startup", "cs-console, start → store open, panes filled (median)", round(r * 1000, 1), "ms"),
    ]
