"""Pilot helpers that deliver keys the way a real terminal does.

``type_bytes`` runs the bytes a terminal sends (``"A\\nB"``, ``"\\x1b\\r"`` for Alt+Enter)
through Textual's own xterm parser and hands every resulting event to the app's driver in one
go, without waiting in between: the app sees a burst, exactly as when it is behind the typist.
"""

from __future__ import annotations

import asyncio

from textual._xterm_parser import XTermParser

from cs_console.tui.keys import install_terminal_keys


def terminal_events(data: str) -> list:
    """The events Textual's parser makes of ``data`` (a trailing lone ESC included)."""
    install_terminal_keys()
    parser = XTermParser()
    events = list(parser.feed(data))
    events += list(parser.feed(""))  # end of input: flush what waits for the escape delay
    return events


async def type_bytes(pilot, data: str) -> list[str]:
    """Send ``data`` as terminal input in one burst; returns the key names it became."""
    app = pilot.app
    events = terminal_events(data)
    for event in events:
        app._driver.process_message(event)
    await pilot.pause()
    await pilot.pause()
    return [getattr(e, "key", type(e).__name__) for e in events]


async def wait_for(pilot, condition, timeout: float = 3.0) -> None:
    """Let the app run until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)
