"""Start the TUI (optionally with the demo buyer simulator running against the same store)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_console.services.desk import Desk


def run_tui(open_desk: Callable[[], Desk], agent: str, simulate: tuple[int, int, float] | None = None,
            started_at: float | None = None) -> None:
    """Draw the first frame at once; open the store (and start the simulator) in a worker."""
    from cs_console.tui.app import CsConsoleApp

    opened: dict[str, object] = {}

    def opener() -> Desk:
        desk = open_desk()
        opened["desk"] = desk
        if simulate is not None:
            from cs_console.sim.simulator import Simulator

            count, seed, speed = simulate
            sim = Simulator(desk.chats, count=count, seed=seed, speed=speed)
            sim.start()
            opened["sim"] = sim
        return desk

    app = CsConsoleApp(opener, agent, started_at=started_at or time.perf_counter(), morning=True)
    try:
        app.run()
    finally:
        if "sim" in opened:
            opened["sim"].stop()
        if "desk" in opened:
            opened["desk"].close()
