"""Every help screen of the CLI speaks Chinese: ``cs-console --help``, each group's and each
top-level command's ``--help`` as real processes, and every sub-command's help text."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from cs_console.cli.typer_app import COMMANDS, SUBCOMMANDS

CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]")
# three English words in a row: a sentence of ours (or of Click's) that was not translated
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}\b")


def problems(help_text: str) -> list[str]:
    """The entries of a help screen that are not Chinese: the description, each option,
    argument and command row (with its wrapped lines) must hold CJK and no English sentence."""
    found = []
    entries: list[str] = []
    for line in help_text.splitlines():
        if not line.strip():
            entries.append("")
        elif line.startswith("用法："):
            entries.append(line[:3])  # the usage line is the program's words: only its prefix counts
        elif re.match(r"^ {2,}\S", line) and entries and entries[-1] and re.match(r"^ {6,}", line) \
                and not re.match(r"^ {2}-", line):
            entries[-1] += " " + line.strip()  # a wrapped line continues its entry
        else:
            entries.append(line.strip())
    for entry in filter(None, entries):
        if entry.startswith("用法") and len(entry) == 3:
            continue
        if not CJK.search(entry) or ENGLISH.search(entry):
            found.append(entry)
    if not help_text.startswith("用法："):
        found.append("usage line: " + help_text.splitlines()[0] if help_text else "(empty)")
    return found


def test_the_checker_catches_english():
    english = ("Usage: cs-console orders [OPTIONS] COMMAND [ARGS]...\n\n  Orders: list, show.\n\nOptions:\n"
               "  --db DB  Store: a SQLite path or URL.\n  --help   Show this message and exit.\n")
    assert len(problems(english)) >= 4
    half = "用法：x\n\n  订单：列表。\n\n选项：\n  --db DB  存储：数据库。\n  --new    Only this buyer's orders.\n"
    assert problems(half) == ["--new    Only this buyer's orders."]


def _help(*argv: str) -> str:
    env = {**os.environ, "COLUMNS": "100"}
    proc = subprocess.run([sys.executable, "-m", "cs_console", *argv, "--help"], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize("argv", [(), *((name,) for name in [*SUBCOMMANDS, *COMMANDS]), ("init",), ("demo",)],
                         ids=lambda argv: " ".join(argv) or "root")
def test_help_of_the_program_and_each_group_is_chinese(argv):
    text = _help(*argv)
    assert problems(text) == []
    assert "选项：" in text and "显示本帮助并退出。" in text


def test_help_of_every_sub_command_is_chinese():
    """One process prints the help of every sub-command the way ``cs-console G C --help`` does."""
    script = (
        "import typer.main\n"
        "from cs_console.cli.typer_app import make_app\n"
        "root = typer.main.get_command(make_app())\n"
        "ctx = root.make_context('cs-console', ['--help'], resilient_parsing=True)\n"
        "for gname, group in root.commands.items():\n"
        "    for cname, cmd in getattr(group, 'commands', {}).items():\n"
        "        gctx = group.make_context(gname, [], parent=ctx, resilient_parsing=True)\n"
        "        c = cmd.make_context(cname, [], parent=gctx, resilient_parsing=True)\n"
        "        print('\\x00' + gname + ' ' + cname + '\\x01' + cmd.get_help(c))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "100"})
    assert proc.returncode == 0, proc.stderr
    screens = [chunk.split("\x01", 1) for chunk in proc.stdout.split("\x00") if chunk.strip()]
    assert len(screens) > 60  # every group's commands were listed
    bad = {name: problems(text) for name, text in screens if problems(text)}
    assert bad == {}


@pytest.mark.parametrize(("argv", "code", "says"), [
    (["orders", "lst"], 2, "没有这个命令：'lst'（是不是：'list'？）"),
    (["orders", "list", "--bogus"], 2, "没有这个选项：--bogus"),
    (["orders", "list", "--state", "NOPE"], 1, "NOPE"),
    (["goods", "show"], 2, "用法：python -m cs_console goods show"),
])
def test_a_command_built_alone_answers_as_in_its_whole_group(tmp_path, argv, code, says):
    """Only the named command of a group is built for a run; a mistyped command still gets the
    group's suggestions and a command's usage errors read as before."""
    env = {**os.environ, "CS_CONSOLE_DB": str(tmp_path / "store.db")}
    res = subprocess.run([sys.executable, "-m", "cs_console", *argv], capture_output=True, text=True, env=env)
    assert res.returncode == code and says in res.stderr, res.stderr
