"""Start the TUI (optionally with the demo buyer simulator running against the same store)."""

from __future__ import annotations

from cs_console.services.desk import Desk


def run_tui(desk: Desk, agent: str, simulate: tuple[int, int, float] | None = None) -> None:
    from cs_console.tui.app import CsConsoleApp

    simulator = None
    if simulate is not None:
        from cs_console.sim.simulator import Simulator

        count, seed, speed = simulate
        simulator = Simulator(desk.chats, count=count, seed=seed, speed=speed)
    app = CsConsoleApp(desk, agent, morning=True)
    if simulator:
        simulator.start()
    try:
        app.run()
    finally:
        if simulator:
            simulator.stop()
        desk.close()
