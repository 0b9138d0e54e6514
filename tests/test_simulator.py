"""The demo simulator: deterministic plans, realistic Chinese buyers, writes via the store API."""

from cs_console.sim.simulator import Simulator, load_buyers, plan


def test_same_seed_same_plan_other_seed_other_plan():
    buyers = load_buyers()
    a = [(x.at, x.buyer.nick, x.gaps) for x in plan(buyers, 8, seed=3)]
    b = [(x.at, x.buyer.nick, x.gaps) for x in plan(buyers, 8, seed=3)]
    c = [(x.at, x.buyer.nick, x.gaps) for x in plan(buyers, 8, seed=4)]
    assert a == b and a != c


def test_plan_has_several_buyers_at_once_and_more_than_the_cast():
    buyers = load_buyers()
    p = plan(buyers, 30, seed=1)
    assert len({a.buyer.nick for a in p}) == 30
    assert p[4].at < 25  # the first five arrive within seconds of each other
    scripts = {b.script for b in buyers.buyers}
    assert {"size", "colour", "remote postage", "logistics", "bargaining", "refund", "hello"} <= scripts


def test_simulator_writes_chats_through_the_store(desk):
    sim = Simulator(desk.chats, count=6, seed=2, speed=50)
    sim.start()
    try:
        import time

        deadline = time.time() + 10
        while len(desk.chats.sessions()) < 5 and time.time() < deadline:
            time.sleep(0.05)
    finally:
        sim.stop()
    assert len(desk.chats.sessions()) >= 5
    assert sim.errors == []
