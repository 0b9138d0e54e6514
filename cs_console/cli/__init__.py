"""``cs-console``: the TUI (no sub-command) and the Typer CLI over the same services."""

from __future__ import annotations

import sys
import time

_STARTED = time.perf_counter()
from typing import Annotated

import typer

from cs_console.cli import cases, chat, followups, memo, orders, report
from cs_console.cli.common import AgentOpt, DbOpt, desk_opener, emit, fail, open_desk, resolve_agent

app = typer.Typer(
    help="客服工作台 cs-console: a keyboard-first desk for online-shop customer service.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(chat.app, name="chat")
app.add_typer(orders.app, name="orders")
app.add_typer(cases.app, name="cases")
app.add_typer(followups.app, name="followups")
app.add_typer(followups.reviews, name="reviews")
app.add_typer(memo.app, name="memo")
app.add_typer(report.app, name="report")


@app.callback()
def root(ctx: typer.Context, db: DbOpt = None, agent: AgentOpt = None) -> None:
    """Without a sub-command, start the TUI on the store (default: the user data dir)."""
    if ctx.invoked_subcommand is not None:
        return
    from cs_console.tui.run import run_tui

    name = resolve_agent(agent, required=False) or "客服"
    run_tui(desk_opener(db), name, started_at=_STARTED)


@app.command()
def init(db: DbOpt = None) -> None:
    """Create (or upgrade) the store's schema."""
    desk = open_desk(db)
    emit(None, False, f"store ready: {desk.store.location}")


@app.command()
def demo(
    db: DbOpt = None,
    buyers: Annotated[int, typer.Option("--buyers", min=1, max=200, help="Simulated buyers.")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="Simulator seed (same seed, same buyers).")] = 7,
    agent: AgentOpt = None,
    speed: Annotated[float, typer.Option("--speed", min=0.1, max=100.0, help="Simulator speed-up factor.")] = 1.0,
) -> None:
    """Start the TUI in demo mode: a fresh store with demo data and a buyer simulator."""
    from cs_console.sim.demo import prepare_demo_store
    from cs_console.tui.run import run_tui

    url, location = prepare_demo_store(db)
    try:
        run_tui(desk_opener(url), resolve_agent(agent, required=False) or "小美",
                simulate=(buyers, seed, speed), started_at=_STARTED)
    finally:
        print(f"demo store: {location}", file=sys.stderr)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        fail("interrupted", 130)
