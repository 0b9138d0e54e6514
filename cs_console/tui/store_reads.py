"""How a widget that shows store data reads it: off the event loop, following the store.

A widget that lists store data (orders, cases, handover notes …) owns a :class:`FollowStore`:
it subscribes to ``app.store_changes`` (see ``store_events``) in ``on_mount``; on a change it
re-reads at once when the widget is on screen, otherwise it only marks itself stale and reads
when the widget is shown again (its ``on_show`` calls :meth:`FollowStore.shown`).

The reading itself runs in a thread worker (``@work(thread=True, exclusive=True, group=…)``,
the group named ``…-read``, see :func:`reads_running`) whose body is :func:`deliver`: the read
runs in the worker's thread, its result is applied on the event loop, and a store failure
becomes a Chinese notice instead of ending the app. A dialog flow (an async worker) awaits a
read with :func:`read_now`.

An agent's action that writes (a flag, a price, a note …) awaits :func:`write_now` from an async
worker: the write runs in a thread, and a refusal or a store failure is said in Chinese and raised
as :class:`WriteFailed`, so the flow can keep what the agent entered and let them try again.
A dialog flow whose entry (a remark, a price, a note) must survive a failed write uses
:func:`ask_until_saved`: the dialog closes at Enter, the caret goes back to the draft while the
write waits in a thread (a locked SQLite store is tried again for a minute), and a refused or
failed write reopens the dialog with what the agent entered.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerError, get_current_worker

from cs_console.tui.store_events import StoreChange

T = TypeVar("T")
E = TypeVar("E")


class FollowStore:
    """Calls ``reread()`` after every store change while ``widget`` is on screen, and once when
    it is shown again after changes it missed. ``reread`` must not wait on the store (it starts
    a thread worker)."""

    def __init__(self, widget: Widget, reread: Callable[[], None]):
        self.widget, self.reread = widget, reread
        self.stale = False
        widget.app.store_changes.subscribe(widget, self._changed)

    def _visible(self) -> bool:
        """A screen (the supervisor view) is read while it is open, a dialog on top or not."""
        if isinstance(self.widget, Screen):
            return self.widget in self.widget.app.screen_stack
        return self.widget.is_on_screen

    def _changed(self, _change: StoreChange) -> None:
        if self._visible():
            self.stale = False
            self.reread()
        else:
            self.stale = True

    def shown(self) -> None:
        """The widget became visible (its tab was opened, the panel unfolded)."""
        if self.stale:
            self.stale = False
            self.reread()


def deliver(widget: DOMNode, read: Callable[[], T], apply: Callable[[T], object], what: str) -> None:
    """In a thread worker: run ``read()`` here, then ``apply(result)`` on the event loop, unless
    a newer read of the same group replaced this one or the widget is gone. A failure (a locked,
    read-only or unreachable store, a broken config) is said in Chinese; the app stays up."""
    worker = get_current_worker()
    app = widget.app
    try:
        result = read()
    except Exception as exc:  # any failure of a read: one sentence, the details in the error log
        if not worker.is_cancelled:
            _on_loop(app, _say_failed, widget, "tui.read_failed", what, exc)
        return
    if not worker.is_cancelled:
        _on_loop(app, _apply_if_mounted, widget, apply, result)


def reads_running(app) -> bool:
    """True while a widget's read worker (group ``…-read``) is still reading or applying."""
    return any(w.group.endswith("-read") and not w.is_finished for w in app.workers)


class ReadFailed(Exception):
    """A read awaited with :func:`read_now` failed; the agent has already been told."""


async def read_now(widget: Widget, read: Callable[[], T], what: str) -> T:
    """From an async worker (a dialog flow): run ``read()`` in a thread and await its result.
    A failure is said in Chinese and raised as :class:`ReadFailed` (the flow just stops)."""
    try:
        return await asyncio.to_thread(read)
    except Exception as exc:  # any failure of a read: one sentence, the details in the error log
        _say_failed(widget, "tui.read_failed", what, exc)
        raise ReadFailed(what) from exc


class WriteFailed(Exception):
    """A write awaited with :func:`write_now` failed or was refused; the agent has been told."""


async def write_now(widget: Widget, write: Callable[[], T], what: str) -> T:
    """From an async worker (an action's flow): run ``write()`` in a thread and await its result.
    A refusal (a domain error) or a store failure (locked, read-only, full, unreachable) is said in
    Chinese as "{what}未保存：{reason}" and raised as :class:`WriteFailed`."""
    try:
        return await asyncio.to_thread(write)
    except Exception as exc:  # any failure of a write: one sentence, the details in the error log
        _say_failed(widget, "tui.write_failed", what, exc)
        raise WriteFailed(what) from exc


async def ask_until_saved(widget: Widget, ask: Callable[[E | None], Awaitable[E | None]],
                          write: Callable[[E], T], what: str | Callable[[E], str],
                          entered: Callable[[], object] | None = None) -> T | None:
    """A dialog flow that never loses what the agent entered. ``ask(last)`` opens the dialog,
    prefilled with ``last`` (None the first time), and returns the entry (None: cancelled);
    ``entered()`` runs once the dialog closed with an entry (the caret back to the draft, so the
    agent types on while the write waits); ``write(entry)`` runs in a thread (:func:`write_now`).
    A refusal or a store failure is said and the dialog opens again with the entry. Returns the
    write's result, or None when the agent cancelled."""
    last: E | None = None
    while True:
        entry = await ask(last)
        if entry is None:
            return None
        if entered is not None:
            entered()
        try:
            return await write_now(widget, lambda e=entry: write(e), what(entry) if callable(what) else what)
        except WriteFailed:
            last = entry


async def settled(worker: Worker | None) -> None:
    """Await a read started with ``@work`` (its result is applied when this returns); a read
    replaced by a newer one, or one that failed (already said), just ends the wait."""
    if worker is None:
        return
    try:
        await worker.wait()
    except WorkerError:
        pass


def _on_loop(app, callback, *args) -> None:
    try:
        app.call_from_thread(callback, *args)
    except RuntimeError:  # the app is closing: nothing left to show it on
        pass


def _apply_if_mounted(widget: DOMNode, apply: Callable[[T], object], result: T) -> None:
    if widget.is_attached:
        apply(result)


def _say_failed(widget: DOMNode, code: str, what: str, exc: Exception) -> None:
    from cs_console.domain.messages import render
    from cs_console.services.errors import report

    if widget.is_attached:
        widget.app.notify(render(code, what=what, reason=report(exc, "tui")),
                          severity="error", timeout=8)
