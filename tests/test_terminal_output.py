"""Stored text printed by the CLI never drives the terminal: escape sequences that arrived in a
nick, a remark, an agent name or a message (screen clear, OSC 52 clipboard write, window title,
8-bit CSI, bidi override) are removed from human output and escaped in JSON output, while the
store keeps the text literally."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.domain.terminal import json_safe, terminal_safe
from cs_console.store.chats import ensure_buyer
from cs_console.store.tables import Order
from tests.signin import add_agent

CLEAR = "\x1b[2J\x1b[H"
OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
TITLE = "\x1b]0;pwned\x1b\\"
CSI8 = "\x9b2J"
BIDI = "\u202e"
HOSTILE = CLEAR + OSC52 + TITLE + CSI8 + BIDI
TERMINAL_BYTES = ("\x1b", "\x9b", "\x07", "\u202e")


@pytest.fixture
def hostile_store(db_path, desk, clock):
    nick = f"买家{HOSTILE}小王"
    with desk.store.write() as s:
        b = ensure_buyer(s, nick, clock())
        s.add(Order(order_no="T1001", buyer_id=b.id, state="PAID", placed_at=clock()))
    agent = f"小美{CLEAR}"
    add_agent(desk, agent)
    add_agent(desk, "小美")
    desk.orders.flag("T1001", "red", f"发顺丰{HOSTILE}送袜子", agent)
    desk.handover.add(f"交接{OSC52}内容", agent, buyer=nick)
    desk.chats.inject(nick, f"在吗{CLEAR}")
    return str(db_path), nick


def _run(db, *args):
    res = CliRunner().invoke(app, [*args, "--db", db])
    assert res.exit_code == 0, res.output
    return res


@pytest.mark.parametrize("args", [
    ("orders", "list"), ("orders", "show", "T1001"), ("orders", "audit", "T1001"),
    ("handover", "list"), ("chat", "list"), ("chat", "log", "--buyer", "__NICK__"),
])
def test_human_output_has_no_terminal_controls(hostile_store, args):
    db, nick = hostile_store
    args = tuple(nick if a == "__NICK__" else a for a in args)
    res = CliRunner().invoke(app, [*args, "--db", db])
    assert res.exit_code == 0, res.output
    assert res.stdout.strip()
    for ch in TERMINAL_BYTES:
        assert ch not in res.stdout, (args, repr(res.stdout))
        assert ch not in res.stderr


def test_human_output_keeps_the_visible_text(hostile_store):
    db, _ = hostile_store
    out = _run(db, "orders", "show", "T1001").stdout
    assert "发顺丰" in out and "送袜子" in out and "买家" in out and "小王" in out
    assert "旗帜 红旗" in out                                   # not "red"
    audit = _run(db, "orders", "audit", "T1001").stdout
    assert "旗帜：灰旗 → 红旗" in audit                          # not "flag: grey → red"


@pytest.mark.parametrize(("args", "pick"), [
    (("orders", "show", "T1001", "--json"), lambda d: d["remark"]),
    (("orders", "audit", "T1001", "--json"), lambda d: [r["new"] for r in d if r["field"] == "remark"][0]),
    (("handover", "list", "--json"), lambda d: d[0]["text"]),
])
def test_json_output_is_escaped_and_reads_back_literally(hostile_store, desk, args, pick):
    db, _ = hostile_store
    res = _run(db, *args)
    for ch in TERMINAL_BYTES:
        assert ch not in res.stdout
    stored = {"orders": lambda: desk.orders.show("T1001").remark if args[1] == "show"
              else [a.new for a in desk.orders.audit("T1001") if a.field == "remark"][0],
              "handover": lambda: desk.handover.notes()[0].text}[args[0]]()
    assert pick(json.loads(res.stdout)) == stored             # exactly what the store holds
    assert any(ch in stored for ch in ("\x1b", "\x9b", "\x07", "\u202e")) or stored == terminal_safe(stored)


def test_refusal_echoing_hostile_input_is_sanitised(hostile_store):
    from cs_console.config.credentials import ENV_TOKEN
    from tests.signin import cli_token

    db, _ = hostile_store
    res = CliRunner().invoke(app, ["orders", "flag", "T1001", f"red{CLEAR}", "--remark", "x", "--db", db],
                             env={ENV_TOKEN: cli_token(db, "小美")})
    assert res.exit_code == 1
    assert "未知的旗帜颜色" in res.stderr
    assert "\x1b" not in res.stderr


@pytest.mark.parametrize(("raw", "shown"), [
    (f"a{CLEAR}b", "ab"), (f"a{OSC52}b", "ab"), (f"a{TITLE}b", "ab"), (f"a{CSI8}b", "ab"),
    (f"a{BIDI}b", "ab"), ("第一行\n第二行", "第一行\n第二行"), ("[bold]不是标记[/]", "[bold]不是标记[/]"),
])
def test_terminal_safe_table(raw, shown):
    assert terminal_safe(raw) == shown


def test_json_safe_round_trips():
    value = {"remark": f"x{HOSTILE}\x7f\x85y"}
    text = json_safe(json.dumps(value, ensure_ascii=False))
    assert not any(ch in text for ch in TERMINAL_BYTES + ("\x7f", "\x85"))
    assert json.loads(text) == value
