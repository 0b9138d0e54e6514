"""CLI: cases, reviews import, follow-ups, memo, report (JSON and CSV)."""

from __future__ import annotations

import functools
import json
from datetime import UTC, datetime

from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from tests.order_seed import add_order
from tests.signin import cli_as

runner = CliRunner()


@functools.cache
def _signed_in(db: str) -> dict[str, str]:
    return cli_as(db, "小美")  # the commands act as the signed-in 小美


def run(db, *args):
    return runner.invoke(app, [*args, "--db", str(db)], env={"CS_CONSOLE_AGENT": "小美", **_signed_in(str(db))})


def seed(db_path):
    d = make_desk(str(db_path), policy=load_policy())
    now = datetime.now(UTC)
    d.chats.inject("小王", "颜色不对")
    add_order(d, "T1", "小王", placed_at=now, paid_at=now, amount="59.90")
    d.close()


def test_cases_commands(db_path):
    seed(db_path)
    r = run(db_path, "cases", "add", "T1", "--reason", "色差", "--handling", "partial_refund", "--amount", "10", "--json")
    assert r.exit_code == 0, r.output
    case = json.loads(r.stdout)
    assert (case["order_no"], case["buyer"], case["amount"], case["state"]) == ("T1", "小王", "10.00", "open")
    assert case["chat_id"] == 1
    bad = run(db_path, "cases", "state", str(case["id"]), "exchanged")
    assert bad.exit_code != 0 and "处理方式" in bad.stderr
    assert run(db_path, "cases", "follow", str(case["id"]), "已联系买家").exit_code == 0
    assert run(db_path, "cases", "state", str(case["id"]), "refunded", "--reason", "已打款").exit_code == 0
    shown = json.loads(run(db_path, "cases", "show", str(case["id"]), "--json").stdout)
    assert shown["state"] == "refunded" and shown["followups"][0]["text"] == "已联系买家"
    assert len(json.loads(run(db_path, "cases", "list", "--open", "--json").stdout)) == 1
    assert run(db_path, "cases", "add", "T1", "--reason", "心情", "--handling", "refund").exit_code != 0
    assert run(db_path, "cases", "add", "T1", "--reason", "size", "--handling", "refund", "--amount", "1.2.3").exit_code != 0


def test_reviews_import_bad_rows_exit_nonzero(db_path, tmp_path):
    f = tmp_path / "r.csv"
    f.write_text("order_no,buyer,rating,text,date\nR1,a,差评,x,2026-11-22\nR2,b,??,x,2026-11-22\n", encoding="utf-8")
    r = run(db_path, "reviews", "import", str(f))
    assert r.exit_code != 0 and f"{f}:3: 无效的评价等级" in r.stderr
    f.write_text("order_no,buyer,rating,text,date\nR1,a,差评,x,2026-11-22\n", encoding="utf-8")
    assert json.loads(run(db_path, "reviews", "import", str(f), "--json").stdout) == {"imported": 1, "already_known": 0}
    [row] = json.loads(run(db_path, "reviews", "list", "--json").stdout)
    assert row["order_no"] == "R1"
    assert run(db_path, "reviews", "follow", str(row["id"])).exit_code == 0
    assert json.loads(run(db_path, "reviews", "list", "--json").stdout) == []


def test_report_json_and_csv(db_path, tmp_path):
    seed(db_path)
    out = tmp_path / "day.csv"
    r = run(db_path, "report", "day", "--json", "--csv", str(out))
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["rows"][-1]["agent"] == "合计" and data["rows"][-1]["inquiries"] == 1
    assert data["rows"][-1]["sales"] == "59.90"
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("客服,咨询,接待") and lines[-1].startswith("合计,1,0")
    assert run(db_path, "report", "week", "--date", "2026-13-01").exit_code != 0


def test_memo_and_unserved(db_path):
    assert run(db_path, "memo", "add", "记得问仓库", "--buyer", "小王").exit_code == 0
    assert json.loads(run(db_path, "memo", "list", "仓库", "--json").stdout)[0]["buyer"] == "小王"
    assert run(db_path, "memo", "add", " ").exit_code != 0
    promoted = run(db_path, "memo", "promote", "1", "--json")
    assert promoted.exit_code == 0, promoted.output
    assert run(db_path, "memo", "promote", "1").exit_code != 0  # already in the handover book
    assert json.loads(run(db_path, "followups", "unserved", "--json").stdout) == []
    assert run(db_path, "followups", "record", "99", "x").exit_code != 0


def test_unpaid_follow_up_commands(db_path):
    d = make_desk(str(db_path), policy=load_policy())
    add_order(d, "U1", "小李", placed_at=datetime(2026, 1, 1, tzinfo=UTC), state="WAIT_BUYER_PAY")
    d.close()
    [row] = json.loads(run(db_path, "followups", "unpaid", "--json").stdout)
    assert (row["order_no"], row["contacted_at"]) == ("U1", None)
    r = run(db_path, "followups", "remind", "U1", "--json")
    assert r.exit_code == 0 and "还没有付款" in json.loads(r.stdout)["draft"]
    assert json.loads(run(db_path, "followups", "unpaid", "--json").stdout) == []
    assert json.loads(run(db_path, "followups", "unpaid", "--all", "--json").stdout)[0]["contacted_by"] == "小美"
    assert run(db_path, "followups", "remind", "NOPE").exit_code != 0
