"""Quick replies in the app: the picker key, ``/`` at the start of a draft, ``/code`` expansion,
and hot reload of the phrase file (polled every 2 s by a thread; a bad file is shown, the last good set kept).

Mixed into :class:`CsConsoleApp` so ``app.py`` stays a composition root.
"""

from __future__ import annotations

import asyncio
import threading
import time
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.binding import Binding

from cs_console.tui.composer import Composer

if TYPE_CHECKING:  # the picker (and pydantic behind the phrase model) loads on first use
    from cs_console.domain.placeholders import Filled
    from cs_console.domain.replies import Phrase
    from cs_console.tui.reply_picker import Pick

RELOAD_SECONDS = 2.0


class QuickRepliesMixin:
    """Needs ``self.desk``, ``self.agent``, ``self.current`` (the selected ChatSummary or None)."""

    # priority: the app runs (and awaits) the action itself, so keys typed right after the
    # key wait for the picker instead of reaching the draft while the picker mounts
    REPLY_BINDINGS = [Binding("ctrl+r,f2", "open_replies", "快捷短语", id="replies.open", priority=True)]

    def setup_replies(self) -> None:
        self._reply_problems: list[str] = []
        self.query_one(Composer).expander = self._expand_reply
        # polled by a thread of its own: while the files stay as they are the event loop does nothing
        threading.Thread(target=self._watch_replies, name="phrase-files", daemon=True).start()
        # pypinyin import + keys of new texts, off the UI thread, before the first picker opens
        self.run_worker(partial(self.desk.replies.index, self.agent), thread=True, group="replies",
                        name="warm-replies", exit_on_error=False)

    def _buyer(self) -> str | None:
        return self.current.buyer_nick if self.current is not None else None

    def _warn_missing(self, filled: Filled) -> None:
        if filled.missing:
            self.notify("短语中有未填写的占位符：" + "、".join("{" + m + "}" for m in filled.missing)
                        + "，请手动补全", severity="warning", timeout=6)

    # ---- picker ----------------------------------------------------------------------------
    async def action_open_replies(self, from_slash: bool = False, query: str = "") -> None:
        """Open the picker and wait until it is mounted, so keys typed right after go into it."""
        if len(self.screen_stack) > 1:  # a dialog is open: leave the key to it
            raise SkipAction()
        replies, agent, buyer = self.desk.replies, self.agent, self._buyer()
        try:  # the index waits on the file lock while a reload parses; usage and values are store reads
            index, usage, values = await asyncio.to_thread(
                lambda: (replies.index(agent), replies.usage(agent), replies.values(buyer, agent)))
        except Exception as exc:  # a locked or unreachable store: said, the draft stays as it is
            from cs_console.services.errors import report

            self.notify(report(exc, "tui"), title="快捷短语", severity="error", timeout=8)
            return
        if replies.errors and not len(index):
            self.notify("\n".join(replies.errors[:5]), title="快捷短语文件有错误", severity="error", timeout=10)
            return
        from cs_console.tui.reply_picker import ReplyPicker

        picker = ReplyPicker(index, usage, values, query=query, from_slash=from_slash)
        await self.push_screen(picker, callback=partial(self._picked, from_slash), wait_for_dismiss=False)

    async def on_composer_slash_at_start(self, _message: Composer.SlashAtStart) -> None:
        """``/`` into an empty draft opens the picker (the ``/`` is taken back; Esc leaves the draft empty).

        Keys typed before the picker is up (``/qsd`` in one burst) are already in the draft:
        they move into the picker's query."""
        composer = self.query_one(Composer)
        text = composer.text
        if not text.startswith("/") or "\n" in text or len(self.screen_stack) > 1:
            return
        composer.clear()
        try:
            await self.action_open_replies(from_slash=True, query=text[1:])
        except SkipAction:
            composer.insert_at_cursor(text)

    def _picked(self, from_slash: bool, pick: Pick | None) -> None:
        composer = self.query_one(Composer)
        if pick is None:  # Esc: the draft stays as it was before ``/`` (the ``/`` was the picker's key)
            composer.focus()
            return
        self._insert(pick.phrase, pick.filled)
        if pick.send:
            if pick.filled.missing:
                self.notify("有未填写的占位符，已插入但没有发送", severity="warning", timeout=6)
            else:
                composer.post_message(Composer.Submitted(composer.text))

    def _insert(self, phrase: Phrase, filled: Filled) -> None:
        self.query_one(Composer).insert_at_cursor(filled.text, filled.cursor)
        self.desk.replies.record_use(phrase.code, self.agent)
        self._warn_missing(filled)

    # ---- /code + space/Tab in the draft ----------------------------------------------------
    def _expand_reply(self, code: str) -> tuple[str, int] | None:
        phrase = self.desk.replies.get(code, self.agent)
        if phrase is None:
            return None
        filled = self.desk.replies.fill(phrase, self._buyer(), self.agent)
        self.desk.replies.record_use(phrase.code, self.agent)
        self._warn_missing(filled)
        return filled.text, filled.cursor

    # ---- hot reload ------------------------------------------------------------------------
    def _watch_replies(self) -> None:
        while True:
            time.sleep(RELOAD_SECONDS)
            if not self.is_running:
                return
            self._reload_replies(quiet=True)

    def _poll_replies(self) -> None:
        self.run_worker(self._reload_replies, thread=True, group="replies-reload", name="reload-replies",
                        exclusive=True, exit_on_error=False)

    def _reload_replies(self, quiet: bool = False) -> None:
        """In a thread: stat the phrase files, parse and index what changed, count the result
        (the event loop never takes the phrase files' lock). ``quiet``: the event loop hears of
        it only when the set or its problems changed."""
        replies = self.desk.replies
        changed, problems = replies.reload_if_changed(self.agent)
        if quiet and not changed and problems == self._reply_problems:
            return
        count = len(replies.index(self.agent)) if changed else 0  # rebuild now, not at the next keystroke
        kept = len(replies.phrases(self.agent)) if problems else 0
        try:
            self.call_from_thread(self._reloaded, changed, problems, count, kept)
        except RuntimeError:  # the app is closing
            pass

    def _reloaded(self, changed: bool, problems: list[str], count: int, kept: int) -> None:
        if problems and problems != self._reply_problems:
            tail = f"（继续使用上一版：{kept} 条）" if kept else "（暂无可用的快捷短语）"
            self.notify("\n".join(problems[:5]) + "\n" + tail, title="快捷短语文件有错误", severity="error", timeout=15)
        elif changed:
            self.notify(f"快捷短语已更新（{count} 条）", timeout=3)
        self._reply_problems = problems
