"""``cs-console``: the TUI (no sub-command) and the Typer CLI over the same services.

``cs-console [--db URL] [--agent NAME]`` starts the TUI without loading Typer or any
sub-command (its first frame is measured against a bare Textual app); everything else goes
through the Typer app in ``cli/typer_app.py``. ``from cs_console.cli import app`` gives the full app.
"""

from __future__ import annotations

import sys
import time

STARTED = time.perf_counter()
_TUI_OPTIONS = ("--db", "--agent")


def plain_tui_options(argv: list[str]) -> dict[str, str] | None:
    """``{"db": …, "agent": …}`` when ``argv`` only names the store and the agent, else None."""
    found: dict[str, str] = {}
    it = iter(argv)
    for arg in it:
        name, eq, value = arg.partition("=")
        if name not in _TUI_OPTIONS or name[2:] in found:
            return None
        if not eq:
            value = next(it, None)
            if value is None:
                return None
        found[name[2:]] = value
    return found


def _start_tui(options: dict[str, str]) -> None:
    from cs_console.config.locations import agent_name
    from cs_console.tui import run

    try:
        agent = agent_name(options.get("agent"))  # pre-fills the sign-in screen
    except Exception as exc:  # ConfigError, imported only once the settings file was read
        from cs_console.config.yamlfile import ConfigError

        if not isinstance(exc, ConfigError):
            raise
        print(exc, file=sys.stderr)
        raise SystemExit(2) from exc
    run.run_tui(run.desk_opener(options.get("db")), agent, started_at=STARTED)


def __getattr__(name: str):
    if name == "app":
        from cs_console.cli.typer_app import make_app

        return make_app()
    raise AttributeError(name)


def main() -> None:
    argv = sys.argv[1:]
    try:
        options = plain_tui_options(argv)
        if options is not None:
            _start_tui(options)
            return
        from cs_console.cli.typer_app import command_needed, groups_needed, make_app

        groups = groups_needed(argv)
        make_app(groups, command_needed(argv, groups))()
    except KeyboardInterrupt:  # pragma: no cover
        print("已中断", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # the one error path: a Chinese sentence, details to the log
        raise SystemExit(_report(exc)) from None


def _report(exc: BaseException) -> int:
    """Print the user's sentence for ``exc`` (details go to the error log); the exit code."""
    from cs_console.domain.text import clean_text
    from cs_console.services.errors import report

    print("错误：" + clean_text(report(exc, "cli")), file=sys.stderr)
    return 1
