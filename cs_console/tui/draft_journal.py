"""The local draft journal: every keystroke of every draft the store has not confirmed yet.

The desk writes drafts to the store 0.4 s after the last keystroke; while the store is locked,
full, read-only or unreachable those writes wait. Until the store confirms a draft, the journal
holds it in a small JSON file beside the user's data (one file per store and agent, mode 0600,
replaced atomically and fsync'd after every change). Starting again on the same store replays it:
the drafts come back into the composer and go to the store once it answers. Drafts never go to a
log. The file is written by its own thread: the event loop only hands it the newest state.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PendingDraft:
    """One chat's draft as typed, not yet confirmed by the store; ``seq`` grows with every edit."""

    chat_id: int
    text: str
    cursor: int
    seq: int
    at: float = 0.0  # time.monotonic() of the edit (0: replayed from the file: save at once)


def journal_path(folder: Path, store_url: str, agent: str) -> Path:
    """One file per (store, agent): the store by a hash of its URL, never its password."""
    key = hashlib.sha256(f"{store_url}\0{agent}".encode()).hexdigest()[:16]
    return folder / f"drafts-{key}.json"


class DraftJournal:
    """Pending drafts by chat, persisted by a writer thread. Thread-safe; the lock is held only
    to copy or update the map, never across file I/O."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._io = threading.Lock()  # one file write at a time (the writer thread, or close)
        self._pending: dict[int, PendingDraft] = {}
        self._seq = 0
        self._version = 0  # bumps with every change of the map
        self._written = 0  # the version the file holds
        self._wake = threading.Event()
        self._closed = False
        self.error: OSError | None = None  # the last write failure (disk of the journal itself)
        self._load()
        self._thread = threading.Thread(target=self._run, name="draft-journal", daemon=True)
        self._thread.start()

    def _load(self) -> None:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return
        for item in raw.get("drafts", []) if isinstance(raw, dict) else []:
            try:
                d = PendingDraft(int(item["chat_id"]), str(item["text"]), int(item["cursor"]), self._next())
            except (KeyError, TypeError, ValueError):
                continue  # a damaged entry: skip it, keep the others
            self._pending[d.chat_id] = d
        self._written = self._version

    def _next(self) -> int:
        self._seq += 1
        return self._seq

    # ---- event loop side ---------------------------------------------------------------------
    def put(self, chat_id: int, text: str, cursor: int) -> None:
        """The draft of ``chat_id`` as it is now (each keystroke)."""
        with self._lock:
            self._pending[chat_id] = PendingDraft(chat_id, text, cursor, self._next(), time.monotonic())
            self._version += 1
        self._wake.set()

    def get(self, chat_id: int) -> PendingDraft | None:
        with self._lock:
            return self._pending.get(chat_id)

    # ---- store side ----------------------------------------------------------------------------
    def pending(self) -> list[PendingDraft]:
        with self._lock:
            return list(self._pending.values())

    def saved(self, draft: PendingDraft) -> bool:
        """The store has ``draft``: forget it unless it was edited since (then it stays pending)."""
        with self._lock:
            now = self._pending.get(draft.chat_id)
            if now is None or now.seq != draft.seq:
                return False
            del self._pending[draft.chat_id]
            self._version += 1
        self._wake.set()
        return True

    def forget(self, chat_id: int) -> None:
        """The draft was sent (or its chat is gone): nothing to keep for it."""
        with self._lock:
            if self._pending.pop(chat_id, None) is None:
                return
            self._version += 1
        self._wake.set()

    # ---- the file ----------------------------------------------------------------------------
    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            self.flush()

    def flush(self) -> None:
        """Write the newest state now (also called at exit)."""
        with self._io:
            self._flush()

    def _flush(self) -> None:
        with self._lock:
            version = self._version
            if version == self._written:
                return
            drafts = [{"chat_id": d.chat_id, "text": d.text, "cursor": d.cursor} for d in self._pending.values()]
        try:
            self._write({"drafts": drafts})
        except OSError as exc:
            self.error = exc
            return
        self.error = None
        with self._lock:
            self._written = max(self._written, version)

    def _write(self, content: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not content["drafts"]:
            self.path.unlink(missing_ok=True)
            return
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            os.write(fd, json.dumps(content, ensure_ascii=False).encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def close(self) -> None:
        """Write what is pending and stop the writer thread."""
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=2)
        self.flush()
