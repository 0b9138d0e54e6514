"""Soak run (not a unit test): simulated buyers against agent TUIs on one store.

``python -m bench soak`` runs the full run (200 buyers over 10 minutes, 3 agent processes);
``python -m bench.soak --seconds 60 --buyers 40`` a short one. ``--db postgresql://…`` runs it on
PostgreSQL (default: a fresh SQLite file; ``--grant``: each TUI on its own agent's login role).
Prints each TUI's RSS over time, inbound → visible latency (p50/p99: buyer message written → on
that agent's screen, session list or transcript, queueing for a free agent included) and the
counts: messages in = stored = shown, lost.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.common import Figure, percentile

PHRASES = ["在吗", "这款还有货吗？", "什么时候发货", "能便宜点吗", "尺码怎么选", "好的谢谢", "地址写错了能改吗"]


def _setup(url: str, agents: int, grant: bool = False) -> dict[str, str]:
    """A store with a supervisor and ``agents`` agents, and a token for each agent. ``grant``
    (PostgreSQL): the agents' login roles are installed first (``db grant``) and each agent signs
    in with the server, so every TUI runs on its own agent's session role."""
    from cs_console.services.desk import make_desk

    desk = make_desk(url)
    if grant:
        from cs_console.store.pg_roles import install

        with desk.store.write() as s:
            install(s.connection(), desk.store.url)
    boss = desk.identity.add_agent(None, "主管", "supervisor", password="soak-supervisor-pw")
    tokens = {}
    for i in range(agents):
        me = desk.identity.add_agent(boss, f"客服{i + 1}", "agent", capacity=8, password=f"soak-agent-{i}-pw")
        if grant:
            own = make_desk(url)
            tokens[me.name] = own.identity.sign_in(me.name, f"soak-agent-{i}-pw").token
            own.close()
        else:
            tokens[me.name] = desk.identity.issue_token(me, "soak").token
    desk.close()
    return tokens


def _buyers(url: str, buyers: int, seconds: float, seed: int, counts: dict, stop: threading.Event) -> None:
    """Each buyer starts at a random time and writes 1–3 messages a few seconds apart."""
    from cs_console.services.desk import make_desk

    rng = random.Random(seed)
    plan = []
    for b in range(buyers):
        t = rng.uniform(0, seconds * 0.8)
        for _ in range(rng.randint(1, 3)):
            plan.append((t, f"soak买家{b:03d}", rng.choice(PHRASES)))
            t += rng.uniform(2, 8)
    plan.sort()
    desk = make_desk(url)
    started = time.time()
    for at, nick, text in plan:
        while time.time() - started < at and not stop.is_set():
            time.sleep(0.02)
        if stop.is_set():
            break
        try:
            desk.chats.inject(nick, text)
            counts["in"] += 1
        except Exception as exc:  # a lost message is the figure this run exists for
            counts["failed"] += 1
            counts.setdefault("errors", []).append(type(exc).__name__)
    desk.close()


def soak(url: str | None = None, *, seconds: float = 600, buyers: int = 200, agents: int = 3, seed: int = 7,
         drain: float = 60, progress=None, grant: bool = False) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="cs-console-soak-"))
    url = url or str(folder / "soak.db")
    tokens = _setup(url, agents, grant)
    run_for = seconds + drain
    procs = []
    for name, token in tokens.items():
        env = {**os.environ, "CS_CONSOLE_TOKEN": token}
        traced = os.environ.get("CS_CONSOLE_SOAK_TRACEMALLOC", "")
        if traced not in ("", "1", name):  # an agent's name: only that TUI traces (the others stay honest)
            env.pop("CS_CONSOLE_SOAK_TRACEMALLOC")
        out = folder / f"{name}.json"
        procs.append((name, out, subprocess.Popen([sys.executable, "-m", "bench.soak_agent", url, str(out), str(run_for)],
                                                  env=env, stdout=subprocess.DEVNULL, stderr=open(folder / f"{name}.log", "w"))))
    time.sleep(3)  # the TUIs open the store and sign in
    counts = {"in": 0, "failed": 0}
    stop = threading.Event()
    feeder = threading.Thread(target=_buyers, args=(url, buyers, seconds, seed, counts, stop))
    started = time.time()
    feeder.start()
    task = progress.add_task("soak", total=run_for) if progress else None
    load: list[float] = []  # the machine's 1-minute load average, every second of the run
    while any(p.poll() is None for *_, p in procs):
        time.sleep(1)
        load.append(os.getloadavg()[0])
        if progress:
            progress.update(task, completed=min(run_for, time.time() - started))
    stop.set()
    feeder.join()
    return _report(url, procs, counts, seconds, buyers, folder) | {
        "load_1min": {"min": min(load, default=0), "mean": round(sum(load) / max(1, len(load)), 2),
                      "max": max(load, default=0)}}


def _report(url: str, procs, counts: dict, seconds: float, buyers: int, folder: Path) -> dict:
    from sqlmodel import select

    from cs_console.domain.chat import Sender
    from cs_console.services.desk import make_desk
    from cs_console.store.tables import Message

    desk = make_desk(url)
    with desk.store.read() as s:
        stored = [(m.id, m.chat_id, m.created_at.timestamp()) for m in
                  s.exec(select(Message).where(Message.sender == Sender.BUYER)).all()]
        agent_msgs = len(s.exec(select(Message.id).where(Message.sender == Sender.AGENT)).all())
    desk.close()
    results = []
    for name, out, p in procs:
        if p.returncode != 0 or not out.exists():
            results.append({"agent": name, "error": (folder / f"{name}.log").read_text()[-2000:]})
            continue
        results.append(json.loads(out.read_text()))
    first_seen: dict[int, float] = {}
    for r in results:
        for mid, at in r.get("shown", {}).items():
            first_seen[int(mid)] = min(at, first_seen.get(int(mid), at))
    listed: dict[int, list] = {}
    for r in results:
        for cid, rows in r.get("listed", {}).items():
            listed.setdefault(int(cid), []).extend(rows)
    latencies = []
    for mid, chat_id, created in stored:
        times = [seen for last, seen in listed.get(chat_id, []) if last >= created - 1e-3]
        if mid in first_seen:
            times.append(first_seen[mid])
        if times:
            latencies.append(max(0.0, min(times) - created))
    shown = len(latencies)
    return {
        "store": url, "seconds": seconds, "buyers": buyers, "in": counts["in"], "inject_failed": counts["failed"],
        "stored": len(stored), "shown": shown, "lost": counts["in"] - len(stored) + counts["failed"],
        "not_shown": len(stored) - shown, "agent_replies": agent_msgs,
        "latency_p50_s": percentile(latencies, 50) if latencies else None,
        "latency_p99_s": percentile(latencies, 99) if latencies else None,
        "latency_max_s": max(latencies) if latencies else None,
        "agents": [{"agent": r.get("agent"), "rss": r.get("rss", []), "sent": r.get("sent"),
                    "closed": r.get("closed"), "error": r.get("error"), "growth": r.get("growth")}
                   for r in results],
    }


def print_report(rep: dict) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    t = Table(title=f"soak: {rep['buyers']} buyers, {rep['seconds']:.0f} s, {len(rep['agents'])} agent TUIs")
    for col in ("figure", "value"):
        t.add_column(col)
    for key in ("in", "stored", "shown", "lost", "not_shown", "inject_failed", "agent_replies"):
        t.add_row(key, str(rep[key]))
    for key in ("latency_p50_s", "latency_p99_s", "latency_max_s"):
        t.add_row(key.replace("_s", " (s)"), "—" if rep[key] is None else f"{rep[key]:.3f}")
    if "load_1min" in rep:
        t.add_row("load average 1 min (min/mean/max)", "{min:.2f} / {mean:.2f} / {max:.2f}".format(**rep["load_1min"]))
    console.print(t)
    r = Table(title="RSS of each TUI over time (MB)")
    r.add_column("t (s)")
    agents = rep["agents"]
    for a in agents:
        r.add_column(a["agent"] or "?")
    samples = max((len(a["rss"]) for a in agents), default=0)
    step = max(1, samples // 12)
    for i in list(range(0, samples, step)) + ([samples - 1] if samples and (samples - 1) % step else []):
        row = [str(next((a["rss"][i][0] for a in agents if i < len(a["rss"])), ""))]
        row += [f"{a['rss'][i][1] / 1024:.1f}" if i < len(a["rss"]) else "" for a in agents]
        r.add_row(*row)
    console.print(r)
    for a in agents:
        if a.get("growth"):
            console.print(f"{a['agent']}: grew between warm-up and the end (${'CS_CONSOLE_SOAK_TRACEMALLOC'})",
                          markup=False)
            for line in a["growth"]["lines"] + a["growth"]["types"]:
                console.print("  " + line, markup=False)
    for a in agents:
        if a.get("error"):
            console.print(f"[red]{a['agent']} failed:[/red]", a["error"], markup=True)


def run(progress) -> list[Figure]:
    """``python -m bench soak``: the full run, sized by $CS_CONSOLE_SOAK_SECONDS / _BUYERS, on
    $CS_CONSOLE_SOAK_DB (``_GRANT=1``: agents on their own PostgreSQL logins)."""
    seconds = float(os.environ.get("CS_CONSOLE_SOAK_SECONDS", 600))
    buyers = int(os.environ.get("CS_CONSOLE_SOAK_BUYERS", 200))
    rep = soak(os.environ.get("CS_CONSOLE_SOAK_DB"), seconds=seconds, buyers=buyers, progress=progress,
               grant=os.environ.get("CS_CONSOLE_SOAK_GRANT") == "1")
    print_report(rep)
    figs = [Figure("soak", "messages in", rep["in"], "msgs"), Figure("soak", "stored", rep["stored"], "msgs"),
            Figure("soak", "shown", rep["shown"], "msgs"),
            Figure("soak", "lost", rep["lost"], "msgs", "0", rep["lost"] == 0)]
    if rep["latency_p99_s"] is not None:
        figs.append(Figure("soak", "inbound → visible p99", rep["latency_p99_s"], "s"))
    for a in rep["agents"]:
        if len(a["rss"]) >= 4:
            warm, end = a["rss"][len(a["rss"]) // 4][1], a["rss"][-1][1]
            figs.append(Figure("soak", f"{a['agent']} RSS growth after warm-up", round((end - warm) / 1024, 1), "MB"))
    return figs


def main(argv: list[str]) -> int:
    from rich.progress import Progress

    ap = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600)
    ap.add_argument("--buyers", type=int, default=200)
    ap.add_argument("--agents", type=int, default=3)
    ap.add_argument("--drain", type=float, default=60, help="extra seconds for the agents to catch up")
    ap.add_argument("--db", default=None)
    ap.add_argument("--grant", action="store_true",
                    help="PostgreSQL: agents' own login roles (db grant), each TUI signed in with the server")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    with Progress(transient=True) as progress:
        rep = soak(args.db, seconds=args.seconds, buyers=args.buyers, agents=args.agents, drain=args.drain,
                   progress=progress, grant=args.grant)
    print_report(rep)
    if args.json:
        print(json.dumps(rep, ensure_ascii=False))
    return 0 if rep["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
