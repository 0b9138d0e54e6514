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

class SafeConsole(Console):
    """A console that never lets stored text drive the terminal: every string printed is
    passed through ``domain.terminal.terminal_safe`` (escape sequences, controls, bidi gone)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        from cs_console.domain.terminal import terminal_safe

        super().print(*(terminal_safe(o) if isinstance(o, str) else o for o in objects), **kwargs)


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr (sanitised; a leading ``error:`` becomes 错误：) and exit
    non-zero (nothing was written)."""
    if message.startswith("error: "):
        message = "错误：" + message[len("error: "):]
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
        fail("错误：请用 --agent 名字 指明客服（或设置 CS_CONSOLE_AGENT，或在配置文件里写 agent:）", 2)
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
    """Print ``data`` as JSON or the ``human`` text (both safe for the terminal)."""
    if as_json:
        from cs_console.domain.terminal import json_safe

        print(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)))
    elif human is not None:
        out.print(human, markup=False)
