"""One error path for the CLI and the TUI: the user reads one Chinese sentence, never a
traceback; the details go to the error log in the user data dir with personal data masked
(phones, names, addresses, drafts) and never SQL parameters or frame locals."""

from __future__ import annotations

import sys

import pytest
from sqlalchemy.exc import SQLAlchemyError

from cs_console.config.policy import load_policy
from cs_console.domain.redact import mask_personal
from cs_console.services.desk import make_desk
from cs_console.services.errors import user_message

SECRET = "收货人张三 13812345678 北京市朝阳区幸福路8号"


@pytest.fixture
def error_log(tmp_path, monkeypatch):
    path = tmp_path / "logs" / "errors.log"
    monkeypatch.setenv("CS_CONSOLE_LOG", str(path))
    return path


def _main(monkeypatch, *argv: str) -> int:
    from cs_console.cli import main

    monkeypatch.setattr(sys, "argv", ["cs-console", *argv])
    with pytest.raises(SystemExit) as info:
        main()
    return info.value.code


def test_unexpected_cli_error_is_one_chinese_line_and_a_masked_log(db_path, desk, error_log, monkeypatch, capsys):
    from cs_console.services.orders import OrderService
    from cs_console.store import order_rows

    def broken(*args, **kw):
        draft = SECRET  # a frame local a rich traceback would have printed
        raise RuntimeError(f"boom while reading '{draft}' for 13987654321")

    # the listing reads through the engine or, on a current SQLite store, through sqlite3
    monkeypatch.setattr(OrderService, "list", broken)
    monkeypatch.setattr(order_rows, "list_orders_quick", broken)
    code = _main(monkeypatch, "orders", "list", "--db", str(db_path))
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err.startswith("错误：内部错误，没有保存任何更改；详情已记入日志 ")
    assert str(error_log) in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert "13812345678" not in captured.err
    log = error_log.read_text(encoding="utf-8")
    assert "builtins.RuntimeError" in log and "in broken" in log      # enough to find the bug
    for secret in ("13812345678", "13987654321", "张三", "朝阳区", "幸福路"):
        assert secret not in log
    assert "139****4321" in log


def test_refusal_is_not_logged_and_exit_is_one(db_path, desk, error_log, monkeypatch, capsys):
    from cs_console.config.credentials import ENV_TOKEN
    from tests.signin import cli_token

    monkeypatch.setenv(ENV_TOKEN, cli_token(db_path, "小美"))
    code = _main(monkeypatch, "orders", "set-price", "T-none", "1", "0.001", "--reason", "x", "--agent", "小美",
                 "--db", str(db_path))
    assert code == 1
    assert "金额最多两位小数：0.001" in capsys.readouterr().err
    assert not error_log.exists()


@pytest.mark.postgres
def test_postgres_errors_never_carry_sql_parameters(pg_url, clock, error_log):
    """A value the column cannot hold, written past the domain's checks: the error text holds
    neither the value nor the other parameters (hide_parameters), the user reads Chinese."""
    from cs_console.store.tables import Buyer

    desk = make_desk(pg_url, policy=load_policy(), clock=clock)
    try:
        with pytest.raises(SQLAlchemyError) as info:
            with desk.store.write() as s:  # a Core insert: past the ORM's length check too
                s.connection().execute(Buyer.__table__.insert().values(
                    nick="张三" * 100, tags="13812345678", created_at=clock()))
        assert "张三" not in str(info.value) and "13812345678" not in str(info.value)
        assert "hidden" in str(info.value)
        assert user_message(info.value) == "有内容超出存储允许的长度或范围，没有保存"
    finally:
        desk.close()


def test_sqlite_errors_never_carry_sql_parameters(desk, clock):
    from cs_console.store.tables import Agent

    desk.chats.inject("小王", "在吗")
    with pytest.raises(SQLAlchemyError) as info:
        with desk.store.write() as s:
            s.add(Agent(name="小美", created_at=clock()))
            s.add(Agent(name="小美", created_at=clock()))     # unique name
            s.flush()
    assert "小美" not in str(info.value)
    assert user_message(info.value) == "与已有数据冲突，没有保存"


@pytest.mark.parametrize(("text", "kept", "gone"), [
    ("phone 13812345678", "138****5678", "13812345678"),
    ("+86 13812345678 x", "****5678", "13812345678"),
    ("value 'secret draft' here", "<12 chars>", "secret"),
    ('Key (nick)=(小王) already exists', "=(<", "小王"),
    ("收货地址 北京 detail", "detail", "北京"),
    ("order 3712208811420001", "################", "3712208811420001"),
])
def test_mask_personal_table(text, kept, gone):
    masked = mask_personal(text)
    assert kept in masked
    assert gone not in masked


async def test_tui_error_goes_through_the_same_path(desk, error_log, capsys):
    """An exception escaping an action: the app ends with one Chinese line (no rich traceback
    with locals holding the draft), and the masked details are in the log."""
    from cs_console.tui.app import CsConsoleApp

    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")

    def explode() -> None:
        draft = SECRET  # noqa: F841 - the local a default Textual traceback would print
        raise RuntimeError("send failed for 13812345678")

    with pytest.raises(RuntimeError):
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            app.call_later(explode)       # runs in the app's message loop, like a key's action
            await pilot.pause()
    assert app.return_code == 1
    printed = capsys.readouterr().err      # what the terminal shows after the app has gone
    assert "错误：内部错误，没有保存任何更改；详情已记入日志" in printed
    assert "Traceback" not in printed
    assert "张三" not in printed and "13812345678" not in printed
    log = error_log.read_text(encoding="utf-8")
    assert "[tui]" in log and "138****5678" in log and "13812345678" not in log and "张三" not in log


@pytest.mark.parametrize(("call", "what"), [
    (lambda d: d.memos.add("小美", "记一下", buyer="长" * 200), "买家昵称最多 128 个字"),
    (lambda d: d.memos.add("小美", "记一下", order_no="9" * 80), "订单号最多 64 个字"),
    (lambda d: d.team.add_agent("名" * 80), "客服名最多 64 个字"),
    (lambda d: d.chats.inject("长" * 200, "在吗"), "买家昵称最多 128 个字"),
])
def test_over_long_values_refused_alike_on_both_backends(any_desk, call, what):
    """PostgreSQL's VARCHAR limits, enforced before the write on both backends (SQLite would
    keep the value and break a PostgreSQL peer later)."""
    from cs_console.domain.messages import UserError

    with pytest.raises(UserError) as info:
        call(any_desk)
    assert what in str(info.value)
    assert any_desk.chats.sessions(include_closed=True) == []


@pytest.mark.parametrize(("who", "argv"), [
    (("小美", None), ("memo", "done", "99999999999999999999")),
    (("主管", "supervisor"), ("hangup", "approve", "99999999999999999999")),
])
def test_huge_ids_are_a_clear_error(db_path, desk, error_log, monkeypatch, capsys, who, argv):
    from cs_console.config.credentials import ENV_TOKEN
    from tests.signin import cli_token

    monkeypatch.setenv(ENV_TOKEN, cli_token(db_path, *who))
    code = _main(monkeypatch, *argv, "--db", str(db_path))
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == "错误：数字太大，没有保存任何更改"


async def test_tui_store_that_cannot_open_says_so_in_chinese(error_log):
    from textual.widgets import Label

    from cs_console.tui.app import CsConsoleApp

    def opener():
        raise RuntimeError("connect failed for 张三 13812345678")

    app = CsConsoleApp(opener, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        label = app.query_one("#loading", Label)
        for _ in range(100):
            if "无法打开" in str(label.render()):
                break
            await pilot.pause(0.05)
        shown = str(label.render())
    assert shown.startswith("无法打开店铺数据：内部错误，没有保存任何更改；详情已记入日志")
    assert "张三" not in shown and "13812345678" not in shown
    assert "138****5678" in error_log.read_text(encoding="utf-8")
