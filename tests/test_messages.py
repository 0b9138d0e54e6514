"""The one message catalogue: every code the code raises exists (a typo would show the bare code
to the user), every text is Chinese, and a refusal renders its parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cs_console.domain.messages import MESSAGES, UserError, render

ROOT = Path(__file__).resolve().parents[1] / "cs_console"
# ``SomethingError("code.name"`` / ``render("code.name"`` with a dotted lower-case code
CODE_USE = re.compile(r"""(?:Error|Refused|NotFound|Invalid|ValueRefused|render)\(\s*["']([a-z_]+\.[a-z_.]+)["']""")


def _codes_used() -> set[str]:
    found: set[str] = set()
    for path in ROOT.rglob("*.py"):
        found.update(CODE_USE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_used_is_in_the_catalogue():
    used = _codes_used()
    assert len(used) > 60                         # the scan really finds the codes
    assert sorted(used - set(MESSAGES)) == []


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_message_is_chinese(code):
    assert re.search(r"[\u4e00-\u9fff]", MESSAGES[code]), code


def test_refusal_renders_code_and_parameters():
    exc = UserError("money.too_many_decimals", text="0.001")
    assert (exc.code, exc.params, str(exc)) == ("money.too_many_decimals", {"text": "0.001"}, "金额最多两位小数：0.001")
    assert UserError("已经是挂起状态").code == "text" and str(UserError("已经是挂起状态")) == "已经是挂起状态"
    assert render("money.invalid") == MESSAGES["money.invalid"]   # a missing parameter never raises


# problems found while reading a file or a setting (shown as ``FILE:LINE: reason``, see the
# catalogue's module text) may be ready sentences; a rule's refusal names its catalogue code
FILE_PROBLEMS = {"GoodsFormatError", "CredentialFileError", "ClockError", "ValueError", "KeyError"}
INLINE_SENTENCE = re.compile(r"""raise (\w+)\(\s*f?["'][^"'\n]*[\u4e00-\u9fff]""")


def test_rule_refusals_take_their_text_from_the_catalogue():
    raised: dict[str, list[str]] = {}
    for path in ROOT.rglob("*.py"):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for error in INLINE_SENTENCE.findall(line):
                raised.setdefault(error, []).append(f"{path.relative_to(ROOT)}:{n}")
    assert "GoodsFormatError" in raised          # the scan really finds inline sentences
    assert {e: where for e, where in raised.items() if e not in FILE_PROBLEMS} == {}
