"""Typer/Click's own help chrome in Chinese: ``Usage:``, the section headings, the help
option's line and the ``[default: …]`` / ``[required]`` notes.

The help texts of our commands are their Chinese docstrings and ``help=`` strings; what Click
writes around them goes through :class:`ChineseHelpFormatter`, set on every command's context
by ``typer_app`` (Click's vendored copy in Typer has no gettext hook for these strings).
Click's usage errors (``Error: No such option: --x``) are shown by :func:`show_error` in
Chinese from the message catalogue (``cli.*`` codes): :func:`usage_message` recognises
Click's sentence and its parts (option names, choices, limits) and renders ours.
"""

from __future__ import annotations

import re
from typing import IO, Any

from typer._click import Context, HelpFormatter
from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError
from typer._click.utils import echo

from cs_console.domain.messages import render

USAGE = "用法："
HEADINGS = {"Usage": "用法", "Options": "选项", "Commands": "命令", "Arguments": "参数"}
LINES = {"Show this message and exit.": "显示本帮助并退出。"}
# the notes Click appends in brackets after an option's help
NOTES = [(re.compile(r"\bdefault: "), "默认："), (re.compile(r"\brequired\b"), "必填"),
         (re.compile(r"\benv var: "), "环境变量：")]
_NOTE = re.compile(r"\[[^\[\]]*\]\s*$")


def localise_line(text: str) -> str:
    """One help column as shown: our text unchanged, Click's own words in Chinese."""
    text = LINES.get(text, text)
    note = _NOTE.search(text)
    if note:
        tail = note.group(0)
        for pattern, zh in NOTES:
            tail = pattern.sub(zh, tail)
        text = text[:note.start()] + tail
    return text


class ChineseHelpFormatter(HelpFormatter):
    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, USAGE if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(first, localise_line(second)) for first, second in rows], *args, **kwargs)


class DeskContext(Context):
    formatter_class = ChineseHelpFormatter

    def __init__(self, command, *args, **kwargs) -> None:
        super().__init__(command, *args, **kwargs)
        from cs_console.cli.coercion import defer_coercion

        defer_coercion(command.get_help_option(self))  # made here, once: not among the params


# Click's usage sentences → (catalogue code, how the parts are rendered)
_USAGE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"No such option: (?P<name>\S+)(?: \(Possible options: (?P<choices>.*)\))?$"), "cli.no_such_option"),
    (re.compile(r"No such command (?P<name>.+?)\.(?: Did you mean (?P<choices>.*)\?)?$"), "cli.no_such_command"),
    (re.compile(r"Missing argument (?P<name>.+?)\.(?: .*)?$", re.S), "cli.missing_argument"),
    (re.compile(r"Missing option (?P<name>.+?)\.(?: .*)?$", re.S), "cli.missing_option"),
    (re.compile(r"Missing (?:parameter|[a-z]+)(?: (?P<name>.+?))?\.?$"), "cli.missing_value"),
    (re.compile(r"Invalid value(?: for (?P<name>.+?))?: (?P<reason>.*)$", re.S), "cli.invalid_value"),
    (re.compile(r"Got unexpected extra argument(?:s|\(s\))? \((?P<args>.*)\)$"), "cli.extra_arguments"),
    (re.compile(r"Option (?P<name>.+?) requires an argument\.$"), "cli.option_needs_value"),
    (re.compile(r"Option (?P<name>.+?) requires (?P<count>\d+) arguments\.$"), "cli.option_needs_values"),
]
# the reasons Typer/pydantic give for an invalid value
_REASONS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"valid integer"), "cli.not_integer"),
    (re.compile(r"valid (?:number|decimal)"), "cli.not_number"),
    (re.compile(r"valid boolean"), "cli.not_boolean"),
    (re.compile(r"greater than or equal to (?P<limit>\S+?)\.?$"), "cli.at_least"),
    (re.compile(r"greater than (?P<limit>\S+?)\.?$"), "cli.more_than"),
    (re.compile(r"less than or equal to (?P<limit>\S+?)\.?$"), "cli.at_most"),
    (re.compile(r"less than (?P<limit>\S+?)\.?$"), "cli.less_than"),
    (re.compile(r"is not one of (?P<choices>.*?)\.?$"), "cli.not_a_choice"),
]


def _reason(text: str) -> str:
    for pattern, code in _REASONS:
        found = pattern.search(text)
        if found:
            return render(code, found.groupdict())
    return render("cli.bad_value")


def usage_message(text: str) -> str:
    """Click's sentence for a usage error, in Chinese (an unknown one: a general sentence)."""
    text = text.strip()
    for pattern, code in _USAGE:
        found = pattern.match(text)
        if not found:
            continue
        parts = {k: (v or "").strip() for k, v in found.groupdict().items()}
        if code == "cli.invalid_value":
            return render(code, name=parts["name"] or "参数", reason=_reason(parts["reason"]))
        message = render(code, parts)
        if parts.get("choices"):
            message += render("cli.possible_options" if code == "cli.no_such_option" else "cli.did_you_mean",
                              choices=parts["choices"])
        return message
    return render("cli.usage_error")


def show_error(exc: ClickException, file: IO[Any] | None = None) -> None:
    """What Click's ``exc.show()`` prints, in Chinese: the usage line, how to get help, the error."""
    if isinstance(exc, NoArgsIsHelpError):  # a group named alone: its help (already Chinese)
        exc.show(file)
        return
    ctx = getattr(exc, "ctx", None)
    color = ctx.color if ctx is not None else None
    if isinstance(exc, UsageError) and ctx is not None:
        hint = ""
        if ctx.command.get_help_option(ctx) is not None:
            hint = render("cli.try_help", command=ctx.command_path, option=ctx.help_option_names[0]) + "\n"
        echo(f"{ctx.get_usage()}\n{hint}", file=file, err=file is None, color=color)
    text = usage_message(exc.format_message()) if isinstance(exc, UsageError) else exc.format_message()
    echo(render("cli.error", text=text), file=file, err=file is None, color=color)
