"""Waiting in Pilot tests: for a condition, never for a fixed time (the app's work runs in
timers and workers, and a loaded CI machine is slower than a developer's)."""

from __future__ import annotations

import asyncio

TIMEOUT = 10.0


async def wait_for(pilot, condition, timeout: float = TIMEOUT) -> None:
    """Let the app run until ``condition()`` holds."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


async def wait_for_screen(pilot, screen_type, timeout: float = TIMEOUT):
    """Until the app's top screen is a ``screen_type``; returns it."""
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), timeout)
    return pilot.app.screen
