"""``cs-console``: the TUI (no sub-command) and the Typer CLI over the same services."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from cs_console.cli import chat, handover, shift
from cs_console.cli.common import AgentOpt, DbOpt, emit, fail, open_desk, resolve_agent

app = typer.Typer(
    help="客服工作台 cs-console: a keyboard-first desk for online-shop customer service.",
    invoke_without_command=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(chat.app, name="chat")
app.add_typer(handover.app, name="handover")
app.command("sync")(handover.sync)
app.add_typer(shift.app, name="shift")


@app.callback()
def root(ctx: typer.Context, db: DbOpt = None, agent: AgentOpt = None) -> None:
    """Without a sub-command, start the TUI on the store (default: the user data dir)."""
    if ctx.invoked_subcommand is not None:
        return
    from cs_console.tui.run import run_tui

    run_tui(open_desk(db), resolve_agent(agent, required=False) or "客服")


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
    desk = open_desk(url)
    try:
        run_tui(desk, resolve_agent(agent, required=False) or "小美", simulate=(buyers, seed, speed))
    finally:
        print(f"demo store: {location}", file=sys.stderr)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:  # pragma: no cover
        fail("interrupted", 130)
