"""Mistyped command lines are answered in Chinese, with Click's exit code 2 and nothing run:
an unknown option or command, a missing argument or option, a value of the wrong kind."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from cs_console.cli.help_chrome import usage_message

ENGLISH = re.compile(r"\b(Error|Usage|No such|Missing|Invalid value|Try|Possible options|Did you mean|"
                     r"unexpected|requires an argument|Input should)\b")


def _run(tmp_path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CS_CONSOLE_DB": str(tmp_path / "s.db"), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "cs_console", *argv], capture_output=True, text=True, env=env,
                          timeout=60, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize(("argv", "expected"), [
    (["chat", "list", "--bogus"], "错误：没有这个选项：--bogus"),
    (["chat", "list", "--al"], "（可选：--all"),
    (["chat", "lst"], "错误：没有这个命令：'lst'（是不是：'list'？）"),
    (["chat", "inject"], "错误：缺少参数 'TEXT'"),
    (["chat", "inject", "在吗"], "错误：缺少选项 '--buyer'"),
    (["replies", "search", "qsd", "--limit", "many"], "错误：'--limit' 的值无效：应为整数"),
    (["replies", "search", "qsd", "--limit", "0"], "错误：'--limit' 的值无效：不能小于 1"),
    (["chat", "list", "extra"], "错误：多余的参数：extra"),
    (["report", "day", "--date"], "错误：选项 '--date' 需要一个值"),
])
def test_usage_error_in_a_real_process_is_chinese_and_exits_2(tmp_path, argv, expected):
    res = _run(tmp_path, *argv)
    assert res.returncode == 2, res.stderr
    assert expected in res.stderr, res.stderr
    assert not ENGLISH.search(res.stderr), res.stderr
    assert res.stdout == ""
    assert not (tmp_path / "s.db").exists()  # nothing ran: the store was not even created


def test_usage_error_shows_the_usage_line_and_how_to_get_help(tmp_path):
    res = _run(tmp_path, "orders", "list", "--colour", "red")
    lines = res.stderr.splitlines()
    assert res.returncode == 2
    assert lines[0].startswith("用法：") and "orders list" in lines[0]
    assert "orders list --help 查看帮助" in res.stderr
    assert lines[-1] == "错误：没有这个选项：--colour"


def test_a_group_named_alone_still_shows_its_help(tmp_path):
    res = _run(tmp_path, "chat")
    assert "用法：" in res.stderr and "命令：" in res.stderr and "错误" not in res.stderr


def test_an_unrecognised_click_sentence_is_still_chinese():
    assert usage_message("Something Click has not said before.") == "命令用法不对"
