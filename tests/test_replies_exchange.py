"""Quick phrases in and out: 千牛 CSV, the 快捷编码 variant, Chatwoot JSON; round-trip YAML."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config.locations import quick_replies_file
from cs_console.config.replies import load_phrases
from cs_console.domain.replies.exchange import decode_entities, detect
from cs_console.domain.replies.pinyin import key_digest

QIANNU = ("快捷短语编码,快捷短语,快捷短语分组\r\n"
          "qth,\"亲，退货地址是：\r\n杭州市西湖区文三路90号，请备注订单号哦\",售后话术\r\n"
          "qhp,感谢亲的好评，期待您再次光临～,售后话术\r\n"
          "qfh,亲，今天下午五点前拍下当天发货哦,\r\n")
VARIANT = ("快捷编码,快捷短语,快捷短语分组\r\n"
           "vcm,亲&#44;宝宝的尺码可以参考详情页的尺码表哦&#13;有疑问随时问我～,尺码推荐\r\n"
           "vhy,亲，欢迎光临～,\r\n")
BROKEN = VARIANT + "bz,\"亲，包邮的哦,活动\r\n"  # a shipped template: the last row opens a quote
CHATWOOT = [{"id": 7, "account_id": 1, "short_code": "ship", "content": "亲，已经发货啦", "created_at": "2026-01-01T00:00:00Z",
             "updated_at": "2026-01-01T00:00:00Z"},
            {"id": 8, "account_id": 1, "short_code": "thx", "content": "谢谢亲的支持", "created_at": "x", "updated_at": "y"}]


@pytest.fixture
def team(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "quick_replies.yaml"
    shutil.copy(quick_replies_file(), path)
    monkeypatch.setenv("CS_CONSOLE_REPLIES", str(path))
    return path


def run(tmp_path, *args):
    return CliRunner().invoke(app, ["replies", *args, "--db", str(tmp_path / "s.db")])


def write(path: Path, text: str, encoding: str = "gbk") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize(("text", "encoding", "fmt", "expected"), [
    (QIANNU, "gbk", "qianniu", [("qth", "售后话术", "亲，退货地址是：\n杭州市西湖区文三路90号，请备注订单号哦"),
                                ("qhp", "售后话术", "感谢亲的好评，期待您再次光临～"),
                                ("qfh", "未分组", "亲，今天下午五点前拍下当天发货哦")]),
    (QIANNU, "utf-8-sig", "qianniu", None),
    (VARIANT, "gbk", "variant", [("vcm", "尺码推荐", "亲,宝宝的尺码可以参考详情页的尺码表哦\n有疑问随时问我～"),
                                 ("vhy", "未分组", "亲，欢迎光临～")]),
    (json.dumps(CHATWOOT, ensure_ascii=False), "utf-8", "chatwoot", [("ship", "未分组", "亲，已经发货啦"),
                                                                     ("thx", "未分组", "谢谢亲的支持")]),
    (json.dumps({"payload": CHATWOOT}, ensure_ascii=False), "utf-8", "chatwoot", None),
])
def test_import_each_format_into_the_team_file_keeping_it(team, tmp_path, text, encoding, fmt, expected):
    before = team.read_text(encoding="utf-8")
    count = len(load_phrases(team))
    src = write(tmp_path / "phrases.csv", text, encoding)
    res = run(tmp_path, "import", str(src), "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["format"] == fmt and out["written"]
    after = team.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))  # comments, order and every existing line kept
    phrases = load_phrases(team)
    added = [(p.code, p.group, p.text) for p in phrases[count:]]
    if expected:
        assert added == expected
    assert len(phrases) == count + len(out["new"])


def test_pinyin_keys_of_new_phrases_are_cached_by_the_import(team, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CS_CONSOLE_CACHE", str(cache))
    assert run(tmp_path, "import", str(write(tmp_path / "p.csv", QIANNU))).exit_code == 0
    keys = json.loads((cache / "reply-pinyin.json").read_text("utf-8"))
    assert key_digest("感谢亲的好评，期待您再次光临～") in keys


def test_malformed_row_is_refused_and_nothing_written(team, tmp_path):
    before = team.read_bytes()
    src = write(tmp_path / "template.csv", BROKEN)
    res = run(tmp_path, "import", str(src))
    assert res.exit_code == 1
    assert f"{src}:4: 这一行打开的引号一直没有关上" in res.stderr
    assert team.read_bytes() == before
    res = run(tmp_path, "import", str(src), "--skip-bad", "--json")
    assert res.exit_code == 0 and f"跳过 {src}:4:" in res.stderr
    assert [p["code"] for p in json.loads(res.stdout)["new"]] == ["vcm", "vhy"]


def test_conflict_is_shown_side_by_side_and_never_silently_overwritten(team, tmp_path):
    ours = next(p for p in load_phrases(team) if p.code == "hi")
    src = write(tmp_path / "p.csv", "快捷短语编码,快捷短语,快捷短语分组\r\nhi,您好，这里是千牛的欢迎语,问候\r\nnew1,新短语,问候\r\n")
    before = team.read_bytes()
    res = CliRunner().invoke(app, ["replies", "import", str(src), "--db", str(tmp_path / "s.db")],
                             env={"COLUMNS": "200"})
    assert res.exit_code == 1 and team.read_bytes() == before
    assert "同一编码、不同内容" in res.stderr and "您好，这里是千牛的欢迎语" in res.stderr
    assert ours.text[:10] in res.stderr
    res = run(tmp_path, "import", str(src), "--on-conflict", "keep")
    assert res.exit_code == 0
    phrases = {p.code: p.text for p in load_phrases(team)}
    assert phrases["hi"] == ours.text and phrases["new1"] == "新短语"
    res = run(tmp_path, "import", str(src), "--on-conflict", "replace")
    assert res.exit_code == 0 and {p.code: p.text for p in load_phrases(team)}["hi"] == "您好，这里是千牛的欢迎语"


def test_dry_run_writes_nothing_and_same_text_is_unchanged(team, tmp_path):
    before = team.read_bytes()
    src = write(tmp_path / "p.csv", QIANNU)
    res = run(tmp_path, "import", str(src), "--dry-run", "--json")
    assert res.exit_code == 0 and len(json.loads(res.stdout)["new"]) == 3 and team.read_bytes() == before
    assert run(tmp_path, "import", str(src)).exit_code == 0
    res = run(tmp_path, "import", str(src), "--json")  # again: all the same
    out = json.loads(res.stdout)
    assert res.exit_code == 0 and (out["new"], out["unchanged"], out["written"]) == ([], 3, False)


def test_into_an_agents_own_file(team, tmp_path, monkeypatch):
    folder = tmp_path / "personal"
    monkeypatch.setenv("CS_CONSOLE_PERSONAL_REPLIES", str(folder))
    before = team.read_bytes()
    res = run(tmp_path, "import", str(write(tmp_path / "p.csv", VARIANT)), "--agent", "小美")
    assert res.exit_code == 0, res.output
    assert team.read_bytes() == before
    assert [p.code for p in load_phrases(folder / "小美.yaml")] == ["vcm", "vhy"]


def test_codes_ours_cannot_use_are_renamed_and_reported(team, tmp_path):
    src = write(tmp_path / "p.csv", "快捷编码,快捷短语,快捷短语分组\r\n1,亲，在的,\r\n晚安好梦,亲，晚安好梦哦,\r\n,亲，稍等哦,\r\n")
    res = run(tmp_path, "import", str(src), "--json")
    assert res.exit_code == 0, res.output
    assert [p["code"] for p in json.loads(res.stdout)["new"]] == ["qn1", "wahm", "qsdo"]
    assert "编码 '1' 不能用作快捷编码，改为 qn1" in res.stderr


@pytest.mark.parametrize("fmt", ["qianniu", "chatwoot", "yaml"])
def test_export_then_import_gives_the_same_set(team, tmp_path, fmt):
    out = tmp_path / f"export.{fmt}"
    res = run(tmp_path, "export", str(out), "--format", fmt)
    assert res.exit_code == 0, res.output
    if fmt == "qianniu":
        assert out.read_bytes().decode("gbk").startswith("快捷短语编码,快捷短语,快捷短语分组\r\n")
    fresh = tmp_path / "fresh.yaml"
    res = CliRunner().invoke(app, ["replies", "import", str(out), "--db", str(tmp_path / "s.db")],
                             env={"CS_CONSOLE_REPLIES": str(fresh)}) if fmt != "yaml" else None
    original = load_phrases(team)
    if fmt == "yaml":
        got = load_phrases(out)
        assert [(p.code, p.group, p.title, p.text, p.tags) for p in got] == [
            (p.code, p.group, p.title, p.text, p.tags) for p in original]
        return
    assert res.exit_code == 0, res.output
    got = load_phrases(fresh)
    if fmt == "qianniu":
        assert {(p.code, p.group, p.text) for p in got} == {(p.code, p.group, p.text) for p in original}
    else:  # Chatwoot has no groups
        assert {(p.code, p.text) for p in got} == {(p.code, p.text) for p in original}


def test_unknown_file_and_bad_json_are_refused(team, tmp_path):
    res = run(tmp_path, "import", str(write(tmp_path / "x.csv", "编码,内容\r\na,b\r\n")))
    assert res.exit_code == 1 and "x.csv:1: 不是快捷短语文件" in res.stderr
    res = run(tmp_path, "import", str(write(tmp_path / "x.json", '[{"short_code": "a"', "utf-8")))
    assert res.exit_code == 1 and "x.json:1: 不是有效的 JSON" in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize(("text", "decoded"), [("a&#44;b&#13;c", "a,b\nc"), ("no entities", "no entities"),
                                               ("&amp;#44;", "&#44;")])
def test_decode_entities(text, decoded):
    assert decode_entities(text) == decoded


def test_detect():
    assert detect("\ufeff快捷短语编码,快捷短语,快捷短语分组\r\n") == "qianniu"
    assert detect("快捷编码,快捷短语,快捷短语分组\n") == "variant"
    assert detect(' [{"short_code": "a"}]') == "chatwoot"


async def test_picker_shows_imported_groups_as_scenes(team, tmp_path, monkeypatch, db_path, clock):
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk
    from cs_console.tui.app import CsConsoleApp

    assert run(tmp_path, "import", str(write(tmp_path / "p.csv", QIANNU))).exit_code == 0
    desk = make_desk(str(db_path), policy=load_policy(), clock=clock)
    desk.chats.inject("买家A", "退货寄到哪里")
    app = CsConsoleApp(desk, "小美")
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f2")
            await pilot.pause()
            picker = app.screen
            assert "售后话术" in picker.groups
            for _ in range(len(picker.groups)):
                if picker.group == "售后话术":
                    break
                await pilot.press("tab")
            await pilot.pause(0.1)
            await pilot.pause()
            assert picker.group == "售后话术"
            assert {h.phrase.code for h in picker.hits} == {"qth", "qhp"}
            assert "售后话术" in str(picker.query_one("#picker-groups").render())
    finally:
        desk.close()
