"""Several agent processes on one SQLite store: no double assignment, capacity honoured,
a killed agent's chats return to the queue."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import time
from collections import Counter
from datetime import timedelta

from sqlmodel import select

from cs_console.domain.clock import utc_now
from cs_console.services.desk import make_desk
from cs_console.store.tables import Assignment
from cs_console.store.team import double_assignments
from tests.team_backends import team_url  # noqa: F401  (SQLite and PostgreSQL)

CTX = mp.get_context("spawn")


def _agent_process(db: str, name: str, start_at: float, rounds: int, out) -> None:
    desk = make_desk(db)
    while time.time() < start_at:
        time.sleep(0.005)
    got = []
    for _ in range(rounds):
        desk.team.heartbeat(name)
        got += desk.team.distribute()
    out.put((name, got))
    desk.close()


def _buyer_process(db: str, start_at: float, count: int) -> None:
    desk = make_desk(db)
    while time.time() < start_at:
        time.sleep(0.005)
    for i in range(count):
        desk.chats.inject(f"buyer{i:03d}", "在吗")
    desk.close()


def _online_until_killed(db: str, name: str, ready) -> None:
    desk = make_desk(db)
    desk.team.start(name)
    ready.set()
    while True:  # a TUI's heartbeat loop, until kill -9
        desk.team.heartbeat(name)
        desk.team.distribute()
        time.sleep(0.05)


def test_three_agent_processes_race_without_double_assignment(team_url):
    db = team_url
    desk = make_desk(db)
    agents = ["小美", "小丽", "小刚"]
    for n in agents:
        desk.team.add_agent(n, "agent", capacity=6)
        desk.team.start(n)
    start_at = time.time() + 1.5
    out = CTX.Queue()
    procs = [CTX.Process(target=_agent_process, args=(db, n, start_at, 40, out)) for n in agents]
    procs.append(CTX.Process(target=_buyer_process, args=(db, start_at, 30)))
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in agents]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    desk.team.distribute()  # the buyers may have finished after the last round
    claimed = [chat for _, got in results for chat, _ in got]
    assert len(claimed) == len(set(claimed))  # no chat handed out twice by two processes
    with desk.store.read() as s:
        rows = s.exec(select(Assignment.chat_id).where(Assignment.kind == "auto")).all()
        assert double_assignments(s) == []
    assert max(Counter(rows).values()) == 1
    infos = {a.name: a for a in desk.team.agents()}
    assert [infos[n].open_chats for n in agents] == [6, 6, 6]  # capacity honoured, and used
    _, queue = desk.team.sessions_for("小美")
    assert queue == 30 - 18
    desk.close()


def test_killed_agent_process_returns_chats_to_the_queue(team_url):
    db = team_url
    ready = CTX.Event()
    proc = CTX.Process(target=_online_until_killed, args=(db, "小丽", ready))
    proc.start()
    assert ready.wait(30)
    desk = make_desk(db)
    for i in range(3):
        desk.chats.inject(f"b{i}", "在吗")
    deadline = time.time() + 20
    while time.time() < deadline and any(c.agent is None for c in desk.chats.sessions()):
        time.sleep(0.05)
    assert {c.agent for c in desk.chats.sessions()} == {"小丽"}
    os.kill(proc.pid, signal.SIGKILL)
    proc.join(10)
    # another agent's desk, later than the stale limit: 小丽 is gone, her buyers come to 小美
    later = make_desk(db, clock=lambda: utc_now() + timedelta(seconds=desk.policy.team.stale_after_seconds + 5))
    later.team.add_agent("小美", "agent")
    later.team.start("小美")
    assert later.team.agent("小丽").status == "offline"
    assert {c.agent for c in later.chats.sessions()} == {"小美"}
    later.close()
    desk.close()
