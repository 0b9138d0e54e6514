"""Start the TUI (optionally with the demo buyer simulator running against the same store)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cs_console.services.desk import Desk


def desk_opener(db: str | None) -> Callable[[], Desk]:
    """A function that opens the desk at ``db`` (default store when None), for the TUI to call in
    its worker after the first frame; errors are shown on screen."""

    def opener() -> Desk:
        from cs_console.config.locations import default_db_url
        from cs_console.services.desk import make_desk

        return make_desk(db or default_db_url())

    return opener


def run_tui(open_desk: Callable[[], Desk], agent: str, simulate: tuple[int, int, float] | None = None,
            started_at: float | None = None, notice: str | None = None, sign_in: str = "screen") -> None:
    """Draw the first frame at once; open the store (and start the simulator) in a worker.
    ``notice``: shown once the desk is open (the demo says where its store is).
    ``sign_in="screen"``: the agent signs in (``agent`` pre-fills the name; the OS account signs
    in by itself where the shop chose that); ``"demo"``: the demo signs ``agent`` in itself."""
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

    app = CsConsoleApp(opener, agent, started_at=started_at or time.perf_counter(), morning=True, notice=notice,
                       sign_in=sign_in)
    try:
        app.run()
    finally:
        if "sim" in opened:
            opened["sim"].stop()
        if "desk" in opened:
            opened["desk"].close()
