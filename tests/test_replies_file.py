"""Phrase files: validation with exact FILE:LINE, the shipped starter set, and `replies check`."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config import ConfigError
from cs_console.config.replies import load_phrases
from cs_console.domain.placeholders import placeholders_in

REPO = Path(__file__).resolve().parents[1]
SCENES = {"问候", "稍等", "议价", "尺码", "色差", "库存", "快递运费", "物流", "核对地址", "催付", "退换货",
          "投诉", "差评回访", "邀评", "结束语"}

GOOD = """\
phrases:
  - group: 问候
    code: hi
    title: 欢迎语
    text: 亲，您好{buyer}！{cursor}
"""


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "q.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_set_is_valid_and_covers_every_scene():
    phrases = load_phrases(REPO / "quick_replies.yaml")
    assert len(phrases) >= 80
    assert {p.group for p in phrases} == SCENES
    used = {name for p in phrases for name in placeholders_in(p.text)}
    assert {"buyer", "agent", "order_no", "items", "total", "postage", "courier", "tracking_no", "address", "cursor"} <= used


def test_good_file(tmp_path):
    (p,) = load_phrases(_write(tmp_path, GOOD))
    assert (p.group, p.code, p.title, p.tags) == ("问候", "hi", "欢迎语", ())


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        (GOOD + "    colour: red\n", ["6: phrases.0.colour: 未知的键"]),
        (GOOD.replace("{buyer}", "{buyer_name}"), ["5: phrases.0.text: 未知的占位符 {buyer_name}"]),
        (GOOD.replace("亲，您好{buyer}！{cursor}", '"  "'), ["5: phrases.0.text: 内容为空"]),
        (GOOD.replace("code: hi", "code: h"), ["3: phrases.0.code: 编码「h」太短（至少 2 个字符）"]),
        (GOOD + GOOD.split("\n", 1)[1].replace("欢迎语", "另一条"),
         ["7: phrases.1.code: 编码重复「hi」（第 3 行已用过）"]),
        (GOOD + "  - group: x\n    code: HI\n    title: t\n    text: ''\n",
         ["7: phrases.1.code: 编码重复「hi」（第 3 行已用过）", "9: phrases.1.text: 内容为空"]),
        (GOOD + "  - group: x\n    title: t\n    text: ok\n", ["6: phrases.1.code: 缺少这一项"]),
        ("phrases:\n  - group: [x\n", ["3: "]),
        ("phrases:\n  - code: ab\n    code: cd\n", ["3: "]),
        ("phrase: []\n", ["1: phrase: 未知的键"]),
    ],
)
def test_problems_have_file_and_line(tmp_path, text, problems):
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_phrases(path)
    got = exc.value.problems
    assert len(got) == len(problems), got
    for line, want in zip(got, problems, strict=True):
        assert line.startswith(f"{path}:{want}"), got


def test_cli_check_ok_and_bad(tmp_path):
    runner = CliRunner()
    ok = runner.invoke(app, ["replies", "check"])
    assert ok.exit_code == 0 and "没有问题，88 条短语，15 个分组" in ok.output
    bad = _write(tmp_path, GOOD.replace("{buyer}", "{oops}"))
    res = runner.invoke(app, ["replies", "check", str(bad)])
    assert res.exit_code == 1
    assert f"{bad}:5: phrases.0.text: 未知的占位符 {{oops}}" in res.output


@pytest.mark.parametrize("value", ["{buyer}，您好", "{buyer}"])
def test_unquoted_brace_value_gets_a_hint(tmp_path, value):
    path = _write(tmp_path, GOOD.replace("亲，您好{buyer}！{cursor}", value))
    with pytest.raises(ConfigError) as exc:
        load_phrases(path)
    (problem,) = exc.value.problems
    assert problem.startswith(f"{path}:5: ") and problem.endswith('要加引号：text: "{buyer}…"）')


def test_a_file_read_again_gives_the_same_phrases_and_follows_every_change(tmp_path):
    """The phrases of a good load are remembered (no YAML parse the next time), but only for the
    very same bytes: an edit is read at once, and a broken file is refused as before."""
    path = tmp_path / "p.yaml"
    path.write_text("phrases:\n  - {group: 问候, code: Hi, title: 欢迎, text: 亲，您好, tags: [开场]}\n", encoding="utf-8")
    first = load_phrases(path)
    again = load_phrases(path)
    assert again == first and again[0].code == "hi" and again[0].tags == ("开场",)
    path.write_text("phrases:\n  - {group: 问候, code: hi, title: 欢迎, text: 亲，在的}\n", encoding="utf-8")
    assert load_phrases(path)[0].text == "亲，在的"
    path.write_text("phrases:\n  - {group: 问候, code: h, title: 欢迎, text: 亲}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_phrases(path)
    assert err.value.problems[0].startswith(f"{path}:2:")
