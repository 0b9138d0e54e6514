"""Quick replies use-cases: load (and hot-reload) the phrase files, search, render, count use.

The team file is re-read only when its size/mtime change and its bytes differ; a bad file is
refused with ``FILE:LINE: reason`` and the last good set stays in use. Pinyin keys are cached
on disk by text digest, so a start-up or reload computes them only for new/changed texts.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cs_console import config
from cs_console.config.locations import cache_dir, personal_replies_file, quick_replies_file
from cs_console.domain.clock import Clock
from cs_console.domain.messages import UserError
from cs_console.domain.placeholders import Filled, fill
from cs_console.domain.replies.pinyin import PinyinKeys, key_digest
from cs_console.store import reply_usage

if TYPE_CHECKING:  # the phrase model, index and rapidfuzz load on first use, not at start-up
    from cs_console.domain.replies import Hit, Phrase, ReplyIndex
    from cs_console.domain.shop import ShopPolicy
    from cs_console.store.engine import Store

CACHE_NAME = "reply-pinyin.json"


class ReplyNotFound(UserError, LookupError):
    """No phrase with that code (for this agent)."""


@dataclass(frozen=True, slots=True)
class Rendered:
    """A phrase filled for one chat: ``filled.missing`` lists placeholders left visible."""

    phrase: Phrase
    filled: Filled


@dataclass
class _Source:
    """One phrase file as last seen: stat signature, phrases of the last good read, errors."""

    path: Path
    personal: bool = False
    signature: tuple[int, int] | None = None
    phrases: list[Phrase] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    loaded: bool = False

    def stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except OSError:
            return None
        return st.st_mtime_ns, st.st_size

    def refresh(self) -> bool:
        """Re-read if the file changed on disk; True when the phrase set changed."""
        sig = self.stat()
        if self.loaded and sig == self.signature:
            return False
        self.signature, self.loaded = sig, True
        if sig is None:
            self.errors = [] if self.personal else [f"{self.path}:0: file not found"]
            changed = bool(self.phrases) and self.personal
            if self.personal:
                self.phrases = []
            return changed
        from cs_console.config.replies import load_phrases

        try:
            phrases = load_phrases(self.path)
        except config.ConfigError as exc:  # the YAML machinery is loaded only for a bad file
            self.errors = exc.problems  # keep the last good phrases
            return False
        if self.personal:
            phrases = [p.model_copy(update={"personal": True}) for p in phrases]
        changed = phrases != self.phrases or bool(self.errors)
        self.phrases, self.errors = phrases, []
        return changed


class PinyinCache:
    """``digest(text) → (full, initials)`` in a JSON file; saved when new keys were computed."""

    def __init__(self, path: Path | None):
        self.path = path
        self.keys: dict[str, tuple[str, str]] = {}
        self.used: set[str] = set()  # saved back: keys of texts still in use (edits leave no garbage)
        self.dirty = False
        if path is not None:
            try:
                self.keys = {k: tuple(v) for k, v in json.loads(path.read_text("utf-8")).items()}
            except (OSError, ValueError, AttributeError, TypeError):
                self.keys = {}

    def __call__(self, text: str) -> PinyinKeys:
        d = key_digest(text)
        self.used.add(d)
        hit = self.keys.get(d)
        if hit is None:
            from cs_console.domain.replies.pinyin import pinyin_keys

            keys = pinyin_keys(text)
            self.keys[d] = (keys.full, keys.initials)
            self.dirty = True
            return keys
        return PinyinKeys(*hit)

    def save(self) -> None:
        if not self.dirty or self.path is None:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(f".{os.getpid()}.tmp")
            keep = {k: v for k, v in self.keys.items() if k in self.used}
            tmp.write_text(json.dumps(keep, ensure_ascii=False), "utf-8")
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass  # a cache: losing it only costs time


class ReplyService:
    """The team phrase set plus each agent's own phrases; usage counts in the store."""

    def __init__(self, store: Store, policy: ShopPolicy, clock: Clock, *, team_file: Path | None = None,
                 personal_dir: Path | None = None, cache_file: Path | None = None,
                 usage_counts: Callable[[str], dict[str, int]] | None = None, one_shot: bool = False):
        """``usage_counts``: an agent's ``{code: uses}`` read some other way than through ``store``;
        ``one_shot``: a single search (a CLI command), the index builds only what it reads."""
        self.store, self.policy, self.clock = store, policy, clock
        self._one_shot = one_shot
        self._usage_counts = usage_counts
        self._team_file, self._personal_dir, self._cache_file = team_file, personal_dir, cache_file
        self._team: _Source | None = None
        self._personal: dict[str, _Source] = {}
        self._indexes: dict[str, ReplyIndex] = {}
        self._cache: PinyinCache | None = None
        self._lock = threading.RLock()

    # ---- sources ---------------------------------------------------------------------------
    @property
    def team_file(self) -> Path:
        return self._team_file or quick_replies_file()

    def personal_file(self, agent: str) -> Path:
        return personal_replies_file(agent, self._personal_dir)

    def _team_source(self) -> _Source:
        if self._team is None:
            self._team = _Source(self.team_file)
            self._team.refresh()
        return self._team

    def _personal_source(self, agent: str) -> _Source:
        src = self._personal.get(agent)
        if src is None:
            src = self._personal[agent] = _Source(self.personal_file(agent), personal=True)
            src.refresh()
        return src

    @property
    def errors(self) -> list[str]:
        """Problems of the team file as last read (empty when it is good)."""
        with self._lock:
            return list(self._team_source().errors)

    def personal_errors(self, agent: str) -> list[str]:
        with self._lock:
            return list(self._personal_source(agent).errors)

    def reload_if_changed(self, agent: str | None = None) -> tuple[bool, list[str]]:
        """Poll the files (cheap stat). Returns (phrase set changed, current problems)."""
        with self._lock:
            team = self._team_source()
            changed = team.refresh()
            problems = list(team.errors)
            if agent:
                mine = self._personal_source(agent)
                changed = mine.refresh() or changed
                problems += mine.errors
            if changed:
                self._indexes.clear()
            return changed, problems

    # ---- index -----------------------------------------------------------------------------
    def phrases(self, agent: str | None = None) -> list[Phrase]:
        """The team set with the agent's own phrases first (an own code shadows the team's)."""
        with self._lock:
            team = self._team_source().phrases
            if not agent:
                return list(team)
            mine = self._personal_source(agent).phrases
            own = {p.code for p in mine}
            return mine + [p for p in team if p.code not in own]

    def index(self, agent: str | None = None) -> ReplyIndex:
        """The search index for this agent (built once per phrase-set change)."""
        key = agent or ""
        with self._lock:
            idx = self._indexes.get(key)
            if idx is None:
                from cs_console.domain.replies.index import ReplyIndex

                if self._cache is None:
                    self._cache = PinyinCache(self._cache_file or cache_dir() / CACHE_NAME)
                idx = self._indexes[key] = ReplyIndex(self.phrases(agent), self._cache, one_shot=self._one_shot)
                self._cache.save()
            return idx

    # ---- use-cases -------------------------------------------------------------------------
    def usage(self, agent: str | None) -> dict[str, int]:
        if not agent:
            return {}
        if self._usage_counts is not None:
            return self._usage_counts(agent)
        with self.store.read_rows() as conn:
            return reply_usage.usage_counts(conn, agent)

    def search(self, query: str, agent: str | None = None, *, limit: int = 10, group: str | None = None,
               usage: dict[str, int] | None = None) -> list[Hit]:
        """Ranked phrases for ``query``; ``usage`` may be passed in to save a store read per keystroke."""
        idx = self.index(agent)
        return idx.search(query, self.usage(agent) if usage is None else usage, limit=limit, group=group)

    def get(self, code: str, agent: str | None = None) -> Phrase | None:
        return self.index(agent).get(code)

    def render(self, code: str, buyer: str, agent: str) -> Rendered:
        """The phrase filled from this buyer's own chat and latest order; raises LookupError."""
        phrase = self.get(code, agent)
        if phrase is None:
            raise ReplyNotFound("replies.no_code", code=code)
        return Rendered(phrase, self.fill(phrase, buyer, agent))

    def values(self, buyer: str | None, agent: str) -> dict[str, str | None]:
        """Placeholder values of this buyer's own chat (no buyer: only agent and shop)."""
        if buyer:
            from cs_console.services.context import chat_values

            return chat_values(self.store, buyer, agent, self.policy.shop.name)
        return {"agent": agent, "shop": self.policy.shop.name}

    def fill(self, phrase: Phrase, buyer: str | None, agent: str) -> Filled:
        return fill(phrase.text, self.values(buyer, agent))

    def record_use(self, code: str, agent: str) -> int:
        """Count one use of a phrase by ``agent`` (one transaction)."""
        from cs_console.store.replies import record_use

        with self.store.write() as s:
            return record_use(s, agent, code, self.clock())

    def usage_report(self) -> list[tuple[str, str, int, object]]:
        with self.store.read_rows() as conn:
            return reply_usage.usage_report(conn)

    def warm_keys(self, phrases: list[Phrase]) -> int:
        """Compute and cache the pinyin keys of ``phrases`` now (after an import), so neither the
        next start nor the next search pays for them; keys of other phrases are kept. Returns how
        many texts were new to the cache."""
        with self._lock:
            if self._cache is None:
                self._cache = PinyinCache(self._cache_file or cache_dir() / CACHE_NAME)
            cache = self._cache
            before = len(cache.keys)
            for p in phrases:
                for text in (p.title, p.text, *p.tags):
                    cache(text)
            cache.used.update(cache.keys)  # an import adds; it does not garbage-collect
            cache.save()
            self._indexes.clear()
            if self._team is not None:
                self._team.refresh()
            for src in self._personal.values():
                src.refresh()
            return len(cache.keys) - before
