"""Typer/Click's own help chrome in Chinese: ``Usage:``, the section headings, the help
option's line and the ``[default: …]`` / ``[required]`` notes.

The help texts of our commands are their Chinese docstrings and ``help=`` strings; what Click
writes around them goes through :class:`ChineseHelpFormatter`, set on every command's context
by ``typer_app`` (Click's vendored copy in Typer has no gettext hook for these strings).
Click's usage errors (``Error: No such option``) stay as Click writes them.
"""

from __future__ import annotations

import re

from typer._click import Context, HelpFormatter

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
