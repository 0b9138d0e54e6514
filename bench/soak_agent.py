"""One agent's TUI in the soak run (``bench/soak.py`` starts three of these as processes).

The real ``CsConsoleApp`` runs headless, signed in with the agent's token from
``$CS_CONSOLE_TOKEN`` (as a bridge or script would be). A small driver acts like a busy agent:
open the longest-waiting chat, answer it, end chats whose buyer went quiet. What the TUI puts on
screen is recorded — buyer message ids when the transcript shows them, and each chat's latest
message time when the session list shows it — with the wall-clock time, plus RSS every few
seconds. Output: one JSON file.

    python -m bench.soak_agent DB_URL OUT.json SECONDS

With ``$CS_CONSOLE_SOAK_TRACEMALLOC=1`` the TUI also traces its allocations: a snapshot after
warm-up (a quarter of the run) and one at the end; the output's ``growth`` lists the source
lines whose live memory grew most in between, and the object types whose count grew most
(slower: for finding what grows, not for the latency figures).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import sys
import time

TRACE_ENV = "CS_CONSOLE_SOAK_TRACEMALLOC"
TRACE_TOP = 25
RSS_EVERY = 5.0
THINK = 0.4  # seconds between the driver's looks at the screen
QUIET = 6.0  # a served chat whose buyer wrote nothing for this long is ended


def type_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in gc.get_objects():
        name = f"{type(o).__module__}.{type(o).__qualname__}"
        counts[name] = counts.get(name, 0) + 1
    return counts


class Growth:
    """What grew between warm-up and the end (tracemalloc by line, gc objects by type)."""

    def __init__(self):
        import tracemalloc

        self.tm = tracemalloc
        tracemalloc.start(1)
        self.warm = None
        self.warm_types: dict[str, int] = {}

    def at_warm(self) -> None:
        gc.collect()
        self.warm, self.warm_types = self.tm.take_snapshot(), type_counts()

    def report(self) -> dict:
        gc.collect()
        end, end_types = self.tm.take_snapshot(), type_counts()
        keep = [self.tm.Filter(False, self.tm.__file__), self.tm.Filter(False, "<frozen importlib._bootstrap*>")]
        stats = end.filter_traces(keep).compare_to(self.warm.filter_traces(keep), "lineno")[:TRACE_TOP]
        lines = [f"{st.size_diff / 1024:+.1f} KiB {st.count_diff:+d} blocks  {st.traceback[0].filename}:"
                 f"{st.traceback[0].lineno}" for st in stats]
        types = sorted(((n - self.warm_types.get(t, 0), t) for t, n in end_types.items()), reverse=True)[:TRACE_TOP]
        return {"lines": lines, "types": [f"{d:+d} {t}" for d, t in types if d > 0]}


def rss_kb() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


async def drive(url: str, out_path: str, seconds: float) -> None:
    from cs_console.config.credentials import ENV_TOKEN
    from cs_console.domain.chat import ChatStatus, Sender
    from cs_console.services.desk import make_desk
    from cs_console.tui import sessions, transcript
    from cs_console.tui.app import CsConsoleApp

    shown: dict[int, float] = {}  # buyer message id → first time the transcript had it
    listed: dict[int, list[tuple[float, float]]] = {}  # chat → [(last_message_at, seen at)]

    def note_messages(messages) -> None:
        now = time.time()
        for m in messages:
            if m.sender == Sender.BUYER and m.id not in shown:
                shown[m.id] = now

    t_show, t_append = transcript.Transcript.show, transcript.Transcript.append

    def show(self, buyer, messages, has_older):
        note_messages(messages)
        return t_show(self, buyer, messages, has_older)

    def append(self, messages):
        note_messages(messages)
        return t_append(self, messages)

    transcript.Transcript.show, transcript.Transcript.append = show, append
    s_update = sessions.SessionList.update_chats

    def update_chats(self, chats, now):
        seen = time.time()
        for c in chats:
            if c.last_message_at is not None:
                last = c.last_message_at.timestamp()
                row = listed.setdefault(c.chat_id, [])
                if not row or row[-1][0] < last:
                    row.append((last, seen))
        return s_update(self, chats, now)

    sessions.SessionList.update_chats = update_chats

    desk = make_desk(url)
    me = desk.identity.authenticate(os.environ[ENV_TOKEN])
    app = CsConsoleApp(desk, me.name)
    app.principal = me
    rss: list[tuple[float, int]] = []
    sent = closed = 0
    growth = Growth() if os.environ.get(TRACE_ENV) else None
    started = time.time()
    next_rss = started
    warm_at = started + seconds / 4
    async with app.run_test(headless=True, size=(120, 40)) as pilot:
        while time.time() - started < seconds:
            await pilot.pause(THINK)
            if time.time() >= next_rss:
                rss.append((round(time.time() - started, 1), rss_kb()))
                next_rss += RSS_EVERY
            if growth is not None and growth.warm is None and time.time() >= warm_at:
                growth.at_warm()
            current = app.desk_screen.current
            if current is None or current.status != ChatStatus.WAITING:
                waiting = [c for c in app.desk_screen.session_chats if c.status == ChatStatus.WAITING]
                if waiting:
                    app.desk_screen.selection.select_chat(min(waiting, key=lambda c: c.waiting_since or c.opened_at).chat_id)
                    continue
            current = app.desk_screen.current
            if current is None:
                continue
            if current.status == ChatStatus.WAITING:
                composer = app.query_one("#composer")
                composer.post_message(composer.Submitted("亲，在的，马上为您处理～"))
                sent += 1
            elif current.last_message_at and time.time() - current.last_message_at.timestamp() > QUIET:
                app.desk_screen.action_close_chat()
                closed += 1
        rss.append((round(time.time() - started, 1), rss_kb()))
        grown = growth.report() if growth is not None and growth.warm is not None else None
    desk.close()
    with open(out_path, "w", encoding="utf-8") as f:
        json.dump({"agent": me.name, "rss": rss, "shown": shown, "listed": listed, "sent": sent,
                   "closed": closed, "growth": grown}, f)


if __name__ == "__main__":
    asyncio.run(drive(sys.argv[1], sys.argv[2], float(sys.argv[3])))
