"""Shared CLI plumbing: --db/--agent/--json options, opening the desk, errors, output."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from cs_console.config.locations import default_db_url

if TYPE_CHECKING:
    from cs_console.services.desk import Desk

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="Store: a SQLite path or SQLAlchemy URL (default $CS_CONSOLE_DB, else the user data dir)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
AgentOpt = Annotated[str | None, typer.Option("--agent", help="Agent (客服) name; default $CS_CONSOLE_AGENT.")]

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr and exit non-zero (nothing was written)."""
    err.print(message, markup=False)
    raise typer.Exit(code)


def resolve_agent(agent: str | None, *, required: bool = True) -> str:
    """--agent, else $CS_CONSOLE_AGENT, else ``agent:`` in the user's config file."""
    from cs_console.config.locations import agent_name
    from cs_console.config.yamlfile import ConfigError

    try:
        name = agent_name(agent)
    except ConfigError as exc:
        fail(str(exc), 2)
    if not name and required:
        fail("error: name the agent with --agent NAME (or set CS_CONSOLE_AGENT, or agent: in the config file)", 2)
    return name


def open_desk(db: str | None) -> Desk:
    """Open the store (creating it if new); config and store problems exit with a clear message."""
    # imported here: the TUI's first frame must not wait for SQLAlchemy/pydantic/ruamel
    from cs_console.config.yamlfile import ConfigError
    from cs_console.services.desk import make_desk
    from cs_console.store.engine import StoreError

    try:
        return make_desk(db or default_db_url())
    except ConfigError as exc:
        fail(str(exc), 2)
    except StoreError as exc:
        fail(f"error: {exc}", 2)


def emit(data: Any, as_json: bool, human: str | None = None) -> None:
    """Print ``data`` as JSON or the ``human`` text."""
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    elif human is not None:
        out.print(human, markup=False)
