"""The Typer CLI over the same services as the TUI.

Sub-command groups live in their own modules and are imported only when used: ``SUBCOMMANDS``
names them; add a feature's group there.
"""

from __future__ import annotations

import copy
import importlib
import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from cs_console.cli import STARTED
from cs_console.cli.coercion import defer_coercion
from cs_console.cli.common import ROOT_OPTIONS, AgentOpt, DbOpt, emit, open_desk, resolve_agent
from cs_console.tui.run import desk_opener

# sub-command group name → module with a Typer ``app``
SUBCOMMANDS: dict[str, str] = {
    "chat": "cs_console.cli.chat",
    "orders": "cs_console.cli.orders",
    "replies": "cs_console.cli.replies",
    "postage": "cs_console.cli.postage",
    "handover": "cs_console.cli.handover",
    "shift": "cs_console.cli.shift",
    "agents": "cs_console.cli.agents",
    "hangup": "cs_console.cli.hangup",
    "cases": "cs_console.cli.cases",
    "followups": "cs_console.cli.followups",
    "reviews": "cs_console.cli.reviews",
    "memo": "cs_console.cli.memo",
    "report": "cs_console.cli.report",
    "channel": "cs_console.cli.channel",
    "goods": "cs_console.cli.goods",
    "db": "cs_console.cli.db",
}
# single top-level command name → (module, function)
COMMANDS: dict[str, tuple[str, str]] = {
    "sync": ("cs_console.cli.handover", "sync"),
    "broadcast": ("cs_console.cli.broadcast", "broadcast"),
    "serve": ("cs_console.cli.serve", "serve"),
    "login": ("cs_console.cli.identity", "login"),
    "logout": ("cs_console.cli.identity", "logout"),
    "whoami": ("cs_console.cli.identity", "whoami"),
}
_ROOT_OPTIONS_WITH_VALUE = {"--db", "--agent"}


def root(ctx: typer.Context, db: DbOpt = None, agent: AgentOpt = None) -> None:
    """不带子命令时，在存储上打开工作台界面（默认存储在用户数据目录）。"""
    ROOT_OPTIONS.update(db=db, agent=agent)
    if ctx.invoked_subcommand is not None:
        return
    from cs_console.tui.run import run_tui

    name = resolve_agent(agent, required=False)  # only pre-fills the sign-in screen
    run_tui(desk_opener(db), name, started_at=STARTED)


def init(db: DbOpt = None) -> None:
    """创建（或升级）存储的数据结构。"""
    desk = open_desk(db, create_folder=True)
    emit(None, False, f"数据库已就绪：{desk.store.location}")


def demo(
    db: DbOpt = None,
    buyers: Annotated[int, typer.Option("--buyers", min=1, max=200, help="模拟的买家人数。")] = 8,
    seed: Annotated[int, typer.Option("--seed", help="模拟器随机种子（种子相同，买家相同）。")] = 7,
    agent: AgentOpt = None,
    speed: Annotated[float, typer.Option("--speed", min=0.1, max=100.0, help="模拟器加速倍数。")] = 1.0,
) -> None:
    """以演示模式打开工作台：新建带演示数据的存储，并模拟买家来咨询。"""
    from cs_console.sim.demo import prepare_demo_store
    from cs_console.tui.run import run_tui

    url, location = prepare_demo_store(db or ROOT_OPTIONS["db"])
    print(f"演示数据库：{location}", file=sys.stderr)
    try:
        run_tui(desk_opener(url), resolve_agent(agent, required=False) or "小美", notice=f"演示数据库：{location}",
                simulate=(buyers, seed, speed), started_at=STARTED, sign_in="demo")
    finally:
        print(f"演示数据库：{location}", file=sys.stderr)


class DeskGroup(TyperGroup):
    """The root command group: plain help in Chinese (``cli/help_chrome.py``) whose options read
    ``--db DB`` / ``--json``, not ``--db <str>`` / ``--json <bool>`` (Typer's type labels mean
    nothing to an agent)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _prepare_help(self)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode: bool = True, **extra):
        """Click's standalone run, with its usage errors shown in Chinese (``help_chrome.show_error``)
        instead of Click's English; exit codes as Click's (2 for a usage error)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        from typer._click.exceptions import ClickException
        from typer.exceptions import Abort

        from cs_console.cli.help_chrome import show_error

        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except ClickException as exc:
            show_error(exc)
            sys.exit(exc.exit_code)
        except Abort:
            from cs_console.domain.messages import render

            print(render("cli.aborted"), file=sys.stderr)
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)


def _prepare_help(command) -> None:
    """Every command's help is written by the Chinese formatter; every value option shows its
    own name as the placeholder; flags show none; values are checked as ``cli/coercion.py`` says."""
    from cs_console.cli.help_chrome import DeskContext

    command.context_class = DeskContext
    for param in command.params:
        defer_coercion(param)
        if getattr(param, "is_flag", False) or getattr(param, "count", False):
            param.metavar = ""
        elif param.metavar is None:
            longest = max(param.opts, key=len).lstrip("-")
            param.metavar = longest.upper().replace("-", "_") if param.param_type_name == "option" else param.name.upper()
    for sub in getattr(command, "commands", {}).values():
        _prepare_help(sub)


def make_app(groups: list[str] | None = None, command: str | None = None) -> typer.Typer:
    """The CLI with the named sub-command groups (``None``: all of them); ``command``: of a single
    group, only that command is built (Typer reads every command's signature it is given)."""
    cli = typer.Typer(
        cls=DeskGroup,
        help="客服工作台 cs-console：网店客服的键盘优先工作台。不带子命令时打开工作台界面。",
        invoke_without_command=True,
        pretty_exceptions_enable=False,
        add_completion=False,
        rich_markup_mode=None,
    )
    cli.callback()(root)
    cli.command()(init)
    cli.command()(demo)
    for name in [*SUBCOMMANDS, *COMMANDS] if groups is None else groups:
        if name in COMMANDS:
            module, function = COMMANDS[name]
            cli.command(name)(getattr(importlib.import_module(module), function))
        else:
            cli.add_typer(_only(importlib.import_module(SUBCOMMANDS[name]).app, command), name=name)
    return cli


def _only(group: typer.Typer, command: str | None) -> typer.Typer:
    """``group`` with just ``command`` when it is exactly one of its commands (and the group has
    no options or nested groups of its own), else ``group`` unchanged."""
    if command is None or group.registered_callback is not None or group.registered_groups:
        return group
    from typer.main import get_command_name

    found = [c for c in group.registered_commands if (c.name or get_command_name(c.callback.__name__)) == command]
    if len(found) != 1:
        return group
    only = copy.copy(group)
    only.registered_commands = found
    return only


def command_needed(argv: list[str], groups: list[str] | None) -> str | None:
    """The word after the one group the command line names (its command, if it is one)."""
    if not groups or groups[0] not in SUBCOMMANDS:
        return None
    skip, seen = False, False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _ROOT_OPTIONS_WITH_VALUE and not seen:
            skip = True
        elif seen:
            return None if arg.startswith("-") else arg
        elif not arg.startswith("-"):
            seen = True
    return None


def groups_needed(argv: list[str]) -> list[str] | None:
    """The one group the command line names, [] for the TUI/init/demo, None (all) for help."""
    if any(a in ("--help", "-h") for a in argv):
        return None
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in _ROOT_OPTIONS_WITH_VALUE:
            skip = True
        elif not arg.startswith("-"):
            if arg in SUBCOMMANDS or arg in COMMANDS:
                return [arg]
            return [] if arg in ("init", "demo") else None
    return []
