"""The desk's store loop: one thread that owns every store access of the desk.

It watches for other processes' commits (SQLite ``PRAGMA data_version`` on its own connection,
PostgreSQL LISTEN), runs the reads a change needs (distribution, the session list, the queue,
presence and notices, new messages of the open chat, delivery statuses of its lines) and the
agent's actions (send, close, please-wait, forward, hang-up, drafts, mark-read, heartbeat), and
publishes what it read as immutable snapshots, posted to the app as :class:`Published` messages.
The event loop never waits for it.

All of it goes through one pinned connection (``Store.pinned``): on SQLite that connection's
``data_version`` does not move for its own commits, so the loop never refreshes because of its
own writes; on PostgreSQL its NOTIFYs are skipped by the server process id.

Store trouble (``domain.store_health``) never ends the loop: a locked, full, read-only or unreachable
store is reported (:class:`StoreStatus`), drafts stay in the journal, writes are tried again
with a backoff, and a lost PostgreSQL connection is opened again.
"""

from __future__ import annotations

import collections
import concurrent.futures
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from textual.message import Message

from cs_console.domain.chat import ChatSummary
from cs_console.domain.store_health import Health
from cs_console.tui.desk_reads import DeskReads
from cs_console.tui.store_snapshots import (
    Committed,
    Done,
    Notices,
    Published,
    SessionExpired,
    Sessions,
    StoreStatus,
)
from cs_console.tui.store_trouble import RETRY_MAX, RETRY_MIN, StoreTrouble

if TYPE_CHECKING:
    from cs_console.services.desk import Desk
    from cs_console.tui.draft_journal import DraftJournal

POLL_SECONDS = 0.1  # change check (microseconds each)
DRAFT_DEBOUNCE = 0.4  # a draft goes to the store this long after its last keystroke
SEND_PATIENCE = 10.0  # a send waits this long for a locked store before it is refused


# ---- jobs --------------------------------------------------------------------------------------
@dataclass
class _Job:
    fn: Callable[[Desk], Any]
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    write: bool = True
    refresh: bool = False  # re-read the desk afterwards (the agent's action changed what is shown)
    announce: bool = False  # tell the side tabs (Committed) once stored
    patience: float | None = None  # store trouble: keep trying this long (None: until it works)
    first_try: float = field(default_factory=time.monotonic)


class StoreLoop:
    """Owns the desk's store access in one thread; ``post`` hands snapshots to the app."""

    def __init__(self, desk: Desk, agent: str, actor: Callable[[], Any], journal: DraftJournal,
                 post: Callable[[Message], Any], *, token: Callable[[], str | None] = lambda: None,
                 prepared: tuple[Desk, Any] | None = None):
        """``prepared``: the loop's own desk and change watcher, opened ahead (``desk_opening.prepared_store``)."""
        self._main = desk
        self.agent = agent
        self._actor = actor
        self.journal = journal
        self._post = post
        self._token = token
        self.desk: Desk | None = None
        self._cond = threading.Condition()
        self._reads: collections.deque[_Job] = collections.deque()
        self._writes: collections.deque[_Job] = collections.deque()
        self._refresh_wanted = True
        self._flush_now = False
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="store-loop", daemon=True)
        self.first = concurrent.futures.Future()  # the first Sessions (or StoreStatus) published
        self.trouble = StoreTrouble(self._publish)  # the store's health and the retry backoffs
        self._watcher = None
        self._immutable = False  # reading a read-only disk's file as immutable
        self._started = False  # team.start has been stored
        self._next_heartbeat = 0.0
        self._shown = DeskReads(agent)  # the reads of the desk, and what the loop knows of the open chat
        if prepared is not None:
            self.desk, self._watcher = prepared

    # ---- event loop side (never blocks) -----------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def submit(self, fn: Callable[[Desk], Any], *, on_done=None, on_error=None, write: bool = True,
               refresh: bool = False, announce: bool = False, patience: float | None = None) -> None:
        job = _Job(fn, on_done, on_error, write, refresh, announce, patience)
        with self._cond:
            (self._writes if write else self._reads).append(job)
            self._cond.notify()

    def refresh(self) -> None:
        """Re-read the desk soon (as if another process had committed)."""
        with self._cond:
            self._refresh_wanted = True
            self._cond.notify()

    def flush_drafts(self) -> None:
        """Save pending drafts now (chat switch), not after the debounce."""
        with self._cond:
            self._flush_now = True
            self._cond.notify()

    def heartbeat(self) -> None:
        with self._cond:
            self._next_heartbeat = 0.0
            self._cond.notify()

    def stop(self, timeout: float = 0.8) -> bool:
        """Save drafts, go offline and stop, waiting at most ``timeout`` (a locked or lost store
        does not hold the exit up: the journal keeps the drafts). True when it finished."""
        with self._cond:
            self._stopping = True
            self._cond.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    # ---- chat actions, as jobs --------------------------------------------------------------
    def open_chat(self, chat_id: int | None, summary: ChatSummary | None = None) -> concurrent.futures.Future:
        """Make ``chat_id`` the open chat: read its window and draft (None: no chat open). The
        future holds the :class:`ChatOpened` once published."""
        opened: concurrent.futures.Future = concurrent.futures.Future()

        def run(d: Desk) -> None:
            if chat_id is None:
                self._shown.close_chat()
                opened.set_result(None)
                return
            item = self._shown.open_window(d, chat_id, summary)
            if item.summary.unread:
                self._mark_read(d, chat_id)
                item = replace(item, summary=replace(item.summary, unread=0))
            self._publish(item)
            opened.set_result(item)

        self.submit(run, write=False)
        return opened

    def load_older(self, chat_id: int, before_id: int) -> None:
        self.submit(lambda d: self._publish(self._shown.older(d, chat_id, before_id)), write=False)

    # ---- the thread --------------------------------------------------------------------------
    def _publish(self, item: object) -> None:
        self._post(Published(item))
        if not self.first.done() and (isinstance(item, Sessions)
                                      or isinstance(item, StoreStatus) and item.read_failed):
            self.first.set_result(item)

    def _done(self, callback, result) -> None:
        if callback is not None:
            self._post(Done(callback, result))

    def _classify(self, exc: BaseException) -> Health | None:
        return self._main.store.health_of(exc)

    def _note_trouble(self, exc: BaseException, *, write: bool) -> bool:
        """Record the store trouble behind ``exc`` and back off; False when it is none."""
        health = self._classify(exc)
        if health == Health.READ_ONLY and not write and not self._immutable:
            self._reopen_immutable()
        if health is None:
            return False
        self.trouble.failed(health, write=write)
        if write:  # the heartbeat is the probe that clears the header once writes work again
            self._next_heartbeat = min(self._next_heartbeat, self.trouble.writes.retry_at)
        return True

    def _run(self) -> None:
        from cs_console.services.errors import log_error

        try:
            while not self._stopping:
                try:
                    self._turn()
                except Exception as exc:  # a bug must not end the desk: logged (masked), tried again
                    log_error(exc, "store-loop")
                    self._wait(1.0)
            self._finish()
        except BaseException as exc:
            log_error(exc, "store-loop")
        finally:
            if not self.first.done():
                self.first.set_result(StoreStatus(self.trouble.health, True))
            self._close()

    def _open(self) -> bool:
        """The loop's own desk on a pinned connection, and the change watcher."""
        from cs_console.services.desk import Desk
        from cs_console.store.changes import watch_others

        if time.monotonic() < self.trouble.reads.retry_at:
            return False
        try:
            if self.desk is None:
                self.desk = Desk(self._main.store.pinned(), self._main.policy, self._main.clock)
            if self._watcher is None:
                self._watcher = watch_others(self.desk.store)
        except Exception as exc:
            if not self._note_trouble(exc, write=False):
                self.trouble.set(Health.OFFLINE, True)
                self.trouble.reads.retry_at = time.monotonic() + RETRY_MAX
            return False
        return True

    def _reopen_immutable(self) -> None:
        """Reads fail on a read-only disk: read the file as immutable from now on (nothing can
        change it while the disk is read-only); writes keep failing, and say so."""
        copy = self._main.store.readable_copy(single_connection=True)
        if copy is None:
            return
        self._immutable = True
        self._close()
        from cs_console.services.desk import Desk

        self.desk, self._watcher = Desk(copy, self._main.policy, self._main.clock), None
        self.trouble.reads.retry_at = 0.0

    def _turn(self) -> None:
        """One round: jobs, drafts, heartbeat, change check, reads."""
        if not self._open():
            self._wait(RETRY_MIN)
            return
        d = self.desk
        now = time.monotonic()
        if now >= self.trouble.reads.retry_at:
            self._run_queue(d, self._reads)
        if now >= self.trouble.writes.retry_at:
            if not self._started:
                self._try(lambda: d.team.start(self.agent), write=True)
                self._started = self._last_ok
                self._refresh_wanted |= self._started
                self._just_distributed = self._started  # team.start ends with distribution
            self._run_queue(d, self._writes)
            self._save_drafts(d)
            # the first beat follows the first session list (which distributes itself)
            if self._started and self.first.done() and time.monotonic() >= self._next_heartbeat:
                self._beat(d)
        changed = self._poll() if time.monotonic() >= self.trouble.reads.retry_at else False
        with self._cond:
            want, self._refresh_wanted = self._refresh_wanted, False
        if (changed or want) and time.monotonic() >= self.trouble.reads.retry_at:
            if not self._refresh(d):
                self._refresh_wanted = True  # read again once the store answers
            elif changed:
                self._publish(Committed())
        self._just_distributed = False  # only the refresh right after team.start skips it
        self._wait(POLL_SECONDS)

    def _wait(self, seconds: float) -> None:
        now = time.monotonic()
        with self._cond:
            if not (self._stopping or (self._flush_now and now >= self.trouble.writes.retry_at)
                    or (self._reads and now >= self.trouble.reads.retry_at)
                    or (self._refresh_wanted and now >= self.trouble.reads.retry_at)
                    or (self._writes and now >= self.trouble.writes.retry_at)):
                self._cond.wait(seconds)

    def _try(self, fn: Callable[[], Any], *, write: bool) -> Any:
        """Run one store call; store trouble is recorded (``_last_ok`` False), others raise."""
        begun = self._writes_begun()
        try:
            result = fn()
        except Exception as exc:
            if not self._note_trouble(exc, write=write):
                raise
            self._last_ok = False
            return None
        self._last_ok = True
        self._worked(write=write, begun=begun)
        return result

    def _writes_begun(self) -> int:
        return self.desk.store.writes_begun if self.desk is not None else 0

    def _worked(self, *, write: bool, begun: int) -> None:
        """A call went through. A write call that began no write transaction (distribution with
        nothing to move, a chat already read) proves nothing about writes: a store still locked
        by another process stays "busy" in the header, and the writes' backoff keeps running."""
        if write and self._writes_begun() == begun:
            return
        self.trouble.worked(write=write)

    _last_ok = True
    _just_distributed = False

    def _poll(self) -> bool:
        try:
            changed = self._watcher.changed()
        except Exception as exc:
            if not self._note_trouble(exc, write=False):
                raise
            return False
        self.trouble.worked(write=False)
        return changed

    # ---- jobs ----------------------------------------------------------------------------------
    def _run_queue(self, d: Desk, queue: collections.deque) -> None:
        """Jobs in order; store trouble leaves the rest waiting for the next try."""
        while True:
            with self._cond:
                if not queue or self._stopping:
                    return
                job = queue[0]
            if not self._run_job(d, job):
                return
            with self._cond:
                if queue and queue[0] is job:
                    queue.popleft()

    def _run_job(self, d: Desk, job: _Job) -> bool:
        """False when store trouble left the job waiting for another try."""
        begun = self._writes_begun()
        try:
            result = job.fn(d)
        except Exception as exc:
            if not self._note_trouble(exc, write=job.write):  # a refusal (not your chat…): the agent is told
                self._done(job.on_error, exc)
                return True
            waited = time.monotonic() - job.first_try
            if job.patience is not None and (self.trouble.health != Health.BUSY or waited >= job.patience):
                self._done(job.on_error, exc)
                return True
            return False
        self._worked(write=job.write, begun=begun)
        if job.refresh:
            self._refresh(d)
        if job.announce:
            self._publish(Committed())
        self._done(job.on_done, result)
        return True

    # ---- drafts -------------------------------------------------------------------------------
    def _save_drafts(self, d: Desk) -> None:
        with self._cond:
            now_wanted, self._flush_now = self._flush_now, False
        now = time.monotonic()
        for draft in self.journal.pending():
            if not now_wanted and draft.at and now - draft.at < DRAFT_DEBOUNCE:
                continue
            try:
                self._try(partial(d.chats.save_draft, draft.chat_id, self._actor(), draft.text, draft.cursor),
                          write=True)
            except Exception:  # noqa: BLE001 - the chat is gone (or the agent): nothing can take it
                self.journal.forget(draft.chat_id)
                continue
            if not self._last_ok:
                return
            self.journal.saved(draft)

    def _mark_read(self, d: Desk, chat_id: int) -> None:
        self._try(lambda: d.chats.mark_read(chat_id), write=True)

    # ---- reads after a change ----------------------------------------------------------------
    def _refresh(self, d: Desk) -> bool:
        """Distribution, then the session list and everything that goes with it. False when the
        store could not be read (the status says why)."""
        if self._just_distributed:  # the first list follows team.start's own distribution
            self._just_distributed = False
        elif self._started and time.monotonic() >= self.trouble.writes.retry_at:
            self._try(lambda: d.team.distribute(self.agent), write=True)
        got = self._try(lambda: self._shown.sessions(d), write=False)
        if got is None:
            return False
        sessions, notices = got
        current = next((c for c in sessions.chats if c.chat_id == self._shown.current), None)
        if current is not None and current.unread:
            self._mark_read(d, current.chat_id)
            sessions = replace(sessions, chats=tuple(replace(c, unread=0) if c is current else c
                                                     for c in sessions.chats))
        self._publish(sessions)
        if notices:
            self._publish(Notices(tuple(notices)))
        if current is not None:
            self._try(lambda: self._shown.transcript(d, current.chat_id, self._publish), write=False)
        return True

    def hangup_requested(self, request_id: int) -> None:
        """(loop thread, inside the request's job) follow the decision on my request."""
        self._shown.team_notices.hangup_requested(request_id)

    # ---- heartbeat ------------------------------------------------------------------------------
    def _beat(self, d: Desk) -> None:
        """I am alive; sign-in still valid; distribution; breaches for a supervisor."""
        self._next_heartbeat = time.monotonic() + d.policy.team.heartbeat_seconds
        token = self._token()
        if token is not None:
            from cs_console.domain.identity import SignInRefused

            try:
                d.identity.authenticate(token)
            except SignInRefused as exc:
                self._publish(SessionExpired(str(exc)))
            except Exception as exc:
                if not self._note_trouble(exc, write=False):
                    raise
        self._try(lambda: d.team.heartbeat(self.agent), write=True)
        moved = self._try(lambda: d.team.distribute(self.agent), write=True)
        if moved:
            self._refresh(d)
        from cs_console.domain.team import is_supervisor

        if is_supervisor(self._shown.role):
            breaches = self._try(d.team.breaches, write=False) or []
            fresh = self._shown.team_notices.breaches(breaches, d.clock())
            if fresh:
                self._publish(Notices(tuple(fresh)))

    # ---- the end ----------------------------------------------------------------------------------
    def _finish(self) -> None:
        """Last drafts and offline: one quick try each (a stuck store: the journal has them)."""
        d = self.desk
        if d is None:
            return
        with self._cond:
            self._flush_now = True
        try:
            if self.trouble.health == Health.OK or self.trouble.health == Health.BUSY:
                self._save_drafts(d)
                if self._started:
                    self._try(lambda: d.team.stop(self.agent), write=True)
        except Exception:  # noqa: BLE001 - going away: what was not stored stays in the journal
            pass

    def _close(self) -> None:
        try:
            if self._watcher is not None:
                self._watcher.close()
            if self.desk is not None:
                self.desk.close()
        except Exception:  # noqa: BLE001
            pass
