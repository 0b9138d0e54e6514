"""CLI commands that do not open the TUI, as whole processes on an up-to-date store: from
``exec`` to exit (goal ≤ 0.4 s each), against ``python -c pass``, a raw ``sqlite3`` read and
the libraries every command needs (Typer with its pydantic coercion, SQLAlchemy, pydantic,
ruamel.yaml, rich: their import alone) in the same run."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from statistics import median

from bench.common import Context, Figure, sampled
from bench.stores import SIZES, working_copy

COMMANDS = [
    ["--help"],
    ["chat", "--help"],
    ["chat", "list"],
    ["report", "day"],
    ["orders", "list"],
    ["handover", "list"],
    ["agents", "list"],
    ["replies", "search", "tk"],
    ["cases", "list"],
    ["followups", "unpaid"],
    ["reviews", "list"],
    ["hangup", "list"],
    ["channel", "list"],
    ["goods", "list"],
]
GOAL_MS = 400
LIBRARIES = "import typer, typer._adapters, sqlalchemy, pydantic, ruamel.yaml, rich.console"


def _wall(argv: list[str], env: dict | None = None, cpu: list[float] | None = None) -> float:
    """Milliseconds from exec to exit; the child's CPU time (user + system) goes to ``cpu``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(argv, check=True, capture_output=True, env=env)
    wall = (time.perf_counter() - t) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if cpu is not None:
        cpu.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
    return wall


def run(ctx: Context) -> list[Figure]:
    import os

    db = working_copy(SIZES["demo"], ctx.folder, ctx)
    env = {**os.environ, "CS_CONSOLE_DB": db}
    reps = ctx.reps(12, 2)
    _wall([sys.executable, "-m", "cs_console", "chat", "list"], env)  # bytecode compiled once
    task = ctx.add_task("cli start", total=len(COMMANDS) * reps)
    bare, raw, floor = [], [], []
    figures: list[Figure] = []
    per: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(reps):
        bare.append(_wall([sys.executable, "-c", "pass"]))
        floor.append(_wall([sys.executable, "-c", LIBRARIES]))
        raw.append(_wall([sys.executable, "-c", "import sqlite3, sys; sqlite3.connect(sys.argv[1])"
                          ".execute('SELECT count(*) FROM chats').fetchall()", db]))
        for cmd in COMMANDS:
            name = " ".join(cmd)
            per.setdefault(name, []).append(_wall([sys.executable, "-m", "cs_console", *cmd], env,
                                                  cpu.setdefault(name, [])))
            ctx.advance(task)
    for name, samples in per.items():
        f = sampled("cli_start", f"`cs-console {name}`, whole process", samples, "ms", anchor=raw, size="demo",
                    cpu_ms=round(median(cpu[name])))
        f.goal, f.ok = f"median ≤ {GOAL_MS} ms", f.value <= GOAL_MS
        figures.append(f)
    figures.append(sampled("cli_start", "`python -c pass` (interpreter alone)", bare, "ms", size="demo"))
    figures.append(sampled("cli_start", "the libraries' import alone (Typer, SQLAlchemy, pydantic, ruamel, rich)",
                           floor, "ms", size="demo"))
    return figures
