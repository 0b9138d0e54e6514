"""The desk as an agent runs it, already signed in (the bench store has no passwords): the same
``CsConsoleApp`` the CLI starts, opening its store after the first frame. ``python -m
bench.desk_child DB AGENT``."""

from __future__ import annotations

import sys
import time

if __name__ == "__main__":
    started = time.perf_counter()
    from cs_console.tui.app import CsConsoleApp
    from cs_console.tui.run import desk_opener

    db, agent = sys.argv[1], sys.argv[2]
    CsConsoleApp(desk_opener(db), agent, started_at=started).run()
