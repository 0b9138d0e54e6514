"""Child process for the start-up bench: start an app headless; print the wall-clock time of its
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

    Bare().run(headless=True, size=(120, 40))


def desk(db: str, until: str) -> None:
    """The real entry path: the CLI's desk opener and the app, as ``cs-console --db DB`` runs them."""
    from cs_console.cli.common import desk_opener
    from cs_console.tui.app import CsConsoleApp

    class Once(CsConsoleApp):
        def _mark_ready(self) -> None:
            if until == "first-frame":
                _report_and_exit(self)
            super()._mark_ready()

        def _start(self) -> None:
            super()._start()
            if until == "desk-ready":
                self.call_after_refresh(_report_and_exit, self)

    Once(desk_opener(db), "bench").run(headless=True, size=(120, 40))


if __name__ == "__main__":
    bare() if sys.argv[1] == "bare" else desk(sys.argv[2], sys.argv[1])
