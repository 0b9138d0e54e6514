"""Child process for the start-up bench: start an app (headless driver from $TEXTUAL_DRIVER); print the wall-clock time of its
first frame (or, with ``desk-ready``, of the store being open and the panes filled), then exit."""

from __future__ import annotations

import os
import sys
import time


def _report_and_exit(app) -> None:
    print(time.time(), flush=True)
    os._exit(0)  # leave at once: exit time (and any worker thread) is not part of start-up


def bare() -> None:
    from textual.app import App
    from textual.widgets import Footer, Header, Label

    class Bare(App):
        def compose(self):
            yield Header()
            yield Label("hello")
            yield Footer()

        def on_mount(self):
            self.call_after_refresh(_report_and_exit, self)

    Bare().run()


def desk(db: str, until: str) -> None:
    """The real entry path: ``cs-console --db DB`` through ``cs_console.cli.main``."""
    import cs_console.cli
    from cs_console.tui import app as app_module

    cls = app_module.CsConsoleApp
    mark_ready, start = cls._mark_ready, cls._start

    def _mark_ready(self) -> None:
        if until == "first-frame":
            _report_and_exit(self)
        mark_ready(self)

    def _start(self) -> None:
        start(self)
        if until == "desk-ready":
            self.call_after_refresh(_report_and_exit, self)

    cls._mark_ready, cls._start = _mark_ready, _start
    sys.argv = ["cs-console", "--db", db, "--agent", "bench"]
    cs_console.cli.main()


if __name__ == "__main__":
    bare() if sys.argv[1] == "bare" else desk(sys.argv[2], sys.argv[1])
