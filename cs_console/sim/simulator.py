"""Simulated buyers (演示买家): arrive over time with human pauses, nudge when ignored.

The *plan* (who arrives when, what they say) is a pure function of the seed; the simulator
then plays it against the real store through ``ChatService.inject`` — the same path as
``cs-console chat inject``.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from pathlib import Path

from cs_console.config.locations import data_dir
from cs_console.config.yamlfile import load_yaml_model
from cs_console.domain.chat import ChatStatus
from pydantic import BaseModel, ConfigDict


class DemoBuyer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nick: str
    script: str
    lines: list[str]
    more: list[str] = []


class DemoBuyers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nudges: list[str]
    buyers: list[DemoBuyer]


@dataclass(frozen=True, slots=True)
class Arrival:
    """A buyer's opening lines at ``at`` seconds after start, ``gaps`` seconds apart."""

    at: float
    buyer: DemoBuyer
    gaps: tuple[float, ...]


def load_buyers(path: Path | None = None) -> DemoBuyers:
    return load_yaml_model(path or data_dir() / "demo" / "buyers.yaml", DemoBuyers)


def plan(buyers: DemoBuyers, count: int, seed: int) -> list[Arrival]:
    """Deterministic arrival plan: ``count`` buyers (nicks suffixed when more than the cast)."""
    rng = random.Random(seed)
    cast = list(buyers.buyers)
    rng.shuffle(cast)
    t = 0.0
    out = []
    for i in range(count):
        b = cast[i % len(cast)]
        if i >= len(cast):
            b = b.model_copy(update={"nick": f"{b.nick}_{i // len(cast) + 1}"})
        # the first five arrive close together (several buyers at once), the rest spread out
        t += rng.uniform(1.0, 4.0) if i < 5 else rng.uniform(8.0, 30.0)
        gaps = tuple(rng.uniform(2.0, 6.0) for _ in b.lines[1:])
        out.append(Arrival(round(t, 2), b, gaps))
    return out


class Simulator:
    """Plays a plan in a background thread until ``stop()``."""

    NUDGE_AFTER = 45.0  # seconds a buyer waits before asking again
    REPLY_AFTER = (4.0, 12.0)  # buyer's think time after an agent answer

    def __init__(self, chats, count: int = 8, seed: int = 7, speed: float = 1.0, buyers: DemoBuyers | None = None):
        self.chats = chats
        self.seed, self.speed = seed, speed
        self.buyers = buyers or load_buyers()
        self.plan = plan(self.buyers, count, seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.errors: list[str] = []

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="buyer-simulator", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)

    def _sleep(self, seconds: float) -> bool:
        return not self._stop.wait(seconds / self.speed)

    def _say(self, nick: str, text: str) -> None:
        try:
            self.chats.inject(nick, text)
        except Exception as exc:  # the store may be busy or closed at exit; never crash the desk
            self.errors.append(str(exc))

    def _run(self) -> None:
        rng = random.Random(self.seed + 1)
        # pending: nick -> (next line index in `more`, lines sent, last activity)
        state: dict[str, dict] = {}
        events: list[tuple[float, str, str]] = []
        for a in self.plan:
            t = a.at
            events.append((t, a.buyer.nick, a.buyer.lines[0]))
            for gap, line in zip(a.gaps, a.buyer.lines[1:], strict=True):
                t += gap
                events.append((t, a.buyer.nick, line))
            state[a.buyer.nick] = {"buyer": a.buyer, "more": 0, "answered_seen": 0, "last": 0.0}
        events.sort(key=lambda e: e[0])
        clock = 0.0
        tick = 1.0
        while not self._stop.is_set():
            while events and events[0][0] <= clock:
                _, nick, text = events.pop(0)
                self._say(nick, text)
                state[nick]["last"] = clock
            self._react(state, clock, rng)
            if not self._sleep(tick):
                return
            clock += tick

    def _react(self, state: dict[str, dict], clock: float, rng: random.Random) -> None:
        """Nudge buyers left waiting; continue the script of buyers the agent answered."""
        try:
            sessions = {c.buyer_nick: c for c in self.chats.sessions()}
        except Exception as exc:
            self.errors.append(str(exc))
            return
        for nick, st in state.items():
            chat = sessions.get(nick)
            if chat is None or chat.status == ChatStatus.CLOSED or st["last"] == 0.0 and chat is None:
                continue
            idle = clock - st["last"]
            if chat.status == ChatStatus.WAITING and idle >= self.NUDGE_AFTER:
                self._say(nick, rng.choice(self.buyers.nudges))
                st["last"] = clock
            elif chat.status == ChatStatus.SERVING and st["more"] < len(st["buyer"].more) \
                    and idle >= rng.uniform(*self.REPLY_AFTER):
                self._say(nick, st["buyer"].more[st["more"]])
                st["more"] += 1
                st["last"] = clock
