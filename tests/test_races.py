"""Real processes racing on one store (SQLite file and PostgreSQL): money changes of one order,
two agents editing one remark, two agents answering one buyer. Invariants hold, no update is
lost, stale edits are refused."""

from __future__ import annotations

import multiprocessing as mp
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from cs_console.config.locations import data_dir
from cs_console.domain.orders import OrderRefused, StaleEdit
from cs_console.services.chats import NotYourChat
from cs_console.services.desk import make_desk
from cs_console.store.tables import Assignment, AuditEntry
from tests.signin import token_for

CTX = mp.get_context("spawn")
ORDER = "3712208811420001"  # unpaid: line 1 ¥59.00×2, line 2 ¥19.90×1, postage 0
PAID = "3712208811420008"
WRITERS, ROUNDS = 4, 12


def _wait(start) -> None:
    """Every process has opened its store (and read what it needs) before any of them writes,
    however slow the machine is to start them."""
    start.wait(timeout=120)


def _money_writer(url: str, token: str, index: int, start, out) -> None:
    desk = make_desk(url)
    me = desk.identity.authenticate(token)
    done, refused, errors = [], 0, []
    _wait(start)
    for k in range(ROUNDS):
        value = (Decimal(10 + index) + Decimal(k) / 100).quantize(Decimal("0.01"))  # distinct per writer/round
        try:
            if k % 3 == 2:
                desk.orders.set_postage(ORDER, str(value), f"w{index}", me)
                done.append(("postage", str(value)))
            else:
                line = 1 + k % 2
                desk.orders.set_item_price(ORDER, line, str(value), f"w{index}", me)
                done.append((f"line {line} unit_price", str(value)))
        except OrderRefused:
            refused += 1
        except Exception as exc:  # e.g. the database's amount check refusing a lost update
            errors.append(type(exc).__name__)
    out.put((index, done, refused, errors))
    desk.close()


@pytest.fixture
def shop(store_url):
    desk = make_desk(store_url)
    folder = data_dir() / "demo"
    desk.orders.import_files(folder / "orders.csv", folder / "items.csv")
    yield desk
    desk.close()


def _run_all(target, argsets, timeout=180):
    out = CTX.Queue()
    start = CTX.Barrier(len(argsets))
    procs = [CTX.Process(target=target, args=(*a, start, out)) for a in argsets]
    for p in procs:
        p.start()
    results = [out.get(timeout=timeout) for _ in procs]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    return results


def test_writers_changing_lines_and_postage_of_one_order_lose_nothing(shop, store_url):
    tokens = [token_for(shop, f"写手{i}") for i in range(WRITERS)]
    results = _run_all(_money_writer, [(store_url, tokens[i], i) for i in range(WRITERS)])
    assert [e for *_, errors in results for e in errors] == []
    applied = sum(len(done) for _, done, _, _ in results)
    assert applied == WRITERS * ROUNDS - sum(r for _, _, r, _ in results) and applied > WRITERS * ROUNDS // 2

    o = shop.orders.show(ORDER)
    lines = sum((i.unit_price * i.quantity for i in o.items if not i.closed), Decimal("0"))
    assert o.items_total == lines  # totals follow the lines: no lost update of either
    assert o.amount == o.items_total + o.postage  # the demo order has no discount
    # every applied change is on the trail, and each field's trail chains old → new without a gap
    with shop.store.read() as s:
        rows = list(s.exec(select(AuditEntry).where(AuditEntry.entity_key == ORDER).order_by(AuditEntry.id)).all())
    changes = [(r.field, r.new) for r in rows if r.field.endswith("unit_price") or r.field == "postage"]
    assert len(changes) == applied
    assert sorted(changes) == sorted(c for _, done, _, _ in results for c in done)
    for field in ("items_total", "amount", "postage", "line 1 unit_price", "line 2 unit_price"):
        trail = [r for r in rows if r.field == field]
        assert trail, field
        assert all(a.new == b.old for a, b in zip(trail, trail[1:], strict=False)), f"{field}: a change was overwritten"
    assert trail[-1].new == f"{o.items[1].unit_price}"


def test_database_refuses_an_amount_that_does_not_add_up(shop):
    """The rule is the database's own, whatever client writes (forged SQL included)."""
    with pytest.raises(IntegrityError), shop.store.write() as s:
        s.exec(text("UPDATE orders SET amount = amount + 1 WHERE order_no = :no").bindparams(no=ORDER))
    with pytest.raises(IntegrityError), shop.store.write() as s:
        s.exec(text("UPDATE orders SET postage = postage + 500 WHERE order_no = :no").bindparams(no=ORDER))
    assert shop.orders.show(ORDER).amount == Decimal("137.90")


def _remark_editor(url: str, token: str, remark: str, start, out) -> None:
    desk = make_desk(url)
    me = desk.identity.authenticate(token)
    seen = desk.orders.show(PAID)  # the dialog opens on this version
    _wait(start)
    try:
        desk.orders.flag(PAID, "red", remark, me, base_version=seen.flag_version)
        out.put((me.name, "saved", None))
    except StaleEdit as exc:
        out.put((me.name, "stale", (exc.remark, exc.version, str(exc))))
    desk.close()


def test_two_agents_editing_one_remark_the_stale_edit_is_refused(shop, store_url):
    a, b = token_for(shop, "小美"), token_for(shop, "阿强")
    results = {name: (outcome, info) for name, outcome, info in _run_all(
        _remark_editor, [(store_url, a, "改发顺丰，到付"), (store_url, b, "加送袜子一双")])}
    assert sorted(o for o, _ in results.values()) == ["saved", "stale"]
    winner = next(n for n, (o, _) in results.items() if o == "saved")
    loser_remark, version, message = next(i for o, i in results.values() if o == "stale")
    now = shop.orders.show(PAID)
    assert now.remark == loser_remark and now.flag_version == version == 1  # refused with the current value
    assert now.remark in message and winner in message
    with shop.store.read() as s:
        remarks = [r for r in s.exec(select(AuditEntry).where(AuditEntry.entity_key == PAID)).all()
                   if r.field == "remark"]
    assert [(r.agent, r.new) for r in remarks] == [(winner, now.remark)]  # nothing silently overwritten


def _answer(url: str, token: str, buyer: str, start, out) -> None:
    desk = make_desk(url)
    me = desk.identity.authenticate(token)
    _wait(start)
    try:
        desk.chats.send_to_buyer(buyer, me, f"{me.name} 为您服务")
        out.put((me.name, "sent"))
    except NotYourChat:
        out.put((me.name, "refused"))
    desk.close()


def test_two_agents_answering_one_buyer_only_one_does(shop, store_url):
    a, b = token_for(shop, "小美"), token_for(shop, "阿强")
    chat = shop.chats.inject("抢答的买家", "在吗").chat_id
    results = dict(_run_all(_answer, [(store_url, a, "抢答的买家"), (store_url, b, "抢答的买家")]))
    assert sorted(results.values()) == ["refused", "sent"]
    winner = next(n for n, r in results.items() if r == "sent")
    msgs = [m for m in shop.chats.recent(chat) if m.sender == "agent"]
    assert [m.author for m in msgs] == [winner]
    assert shop.chats.summary(chat).agent == winner
    with shop.store.read() as s:
        claims = list(s.exec(select(Assignment).where(Assignment.chat_id == chat)).all())
    assert [(c.kind, c.by) for c in claims] == [("claim", winner)]


def test_an_assigned_chat_is_answered_by_its_agent_or_a_supervisor_taking_over(shop):
    from tests.signin import sign_in

    mei, qiang, boss = sign_in(shop, "小美"), sign_in(shop, "阿强"), sign_in(shop, "主管", "supervisor")
    chat = shop.chats.inject("小王", "在吗").chat_id
    shop.team.assign("小王", "小美", by=boss.name)
    with pytest.raises(NotYourChat, match="小美"):
        shop.chats.send(chat, qiang, "我来回答")
    with pytest.raises(LookupError):
        shop.chats.send(chat, "不存在的人", "我来回答")  # unknown names are refused, never created
    shop.chats.send(chat, mei, "亲，在的")
    shop.chats.send(chat, boss, "主管来处理")
    assert shop.chats.summary(chat).agent == "主管"
    with shop.store.read() as s:
        log = [(a.kind, a.by) for a in s.exec(select(Assignment).where(Assignment.chat_id == chat)
                                              .order_by(Assignment.id)).all()]
        from cs_console.store.tables import Agent

        assert s.exec(select(Agent).where(Agent.name == "不存在的人")).first() is None
    assert log == [("manual", "主管"), ("takeover", "主管")]
    with pytest.raises(NotYourChat):
        shop.chats.send(chat, mei, "我还能回吗")  # the supervisor has it now
