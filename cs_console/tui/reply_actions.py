"""Quick replies in the app: the picker key, ``/`` at the start of a draft, ``/code`` expansion,
and hot reload of the phrase file (polled every 2 s by a thread of its own; a bad file is shown, the
last good set kept; while the files stay as they are the event loop does nothing).
A use of a phrase is counted in a thread (it sorts the picker); the event loop never writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from functools import partial
from typing import TYPE_CHECKING

from textual.actions import SkipAction
from textual.binding import Binding

from cs_console.tui.composer import Composer, Expansion
from cs_console.tui.store_reads import WriteFailed, write_now

if TYPE_CHECKING:  # the picker (and pydantic behind the phrase model) loads on first use
    from cs_console.domain.placeholders import Filled
    from cs_console.domain.replies import Phrase
    from cs_console.tui.desk_screen import DeskContext, DeskScreen
    from cs_console.tui.reply_picker import Pick

RELOAD_SECONDS = 2.0
EXPAND_PATIENCE = 3.0  # seconds ``/code`` waits for its phrase's values; then the draft stays as typed

# priority: the app runs (and awaits) the action itself, so keys typed right after the key wait
# for the picker instead of reaching the draft while the picker mounts
REPLY_BINDINGS = [Binding("ctrl+r,f2", "open_replies", "快捷短语", id="replies.open", priority=True)]


class QuickReplies:
    """Quick replies for the desk's composer; the open chat's buyer fills the placeholders."""

    def __init__(self, ctx: DeskContext, desk: DeskScreen, composer: Composer):
        self.ctx, self.desk, self.composer = ctx, desk, composer
        self.problems: list[str] = []  # of the phrase files, as last said

    def start(self) -> None:
        """``/code`` expands in the composer; the phrase files are watched from now on."""
        self.composer.expander = self._expansion
        threading.Thread(target=self._watch, name="phrase-files", daemon=True).start()
        # pypinyin import + keys of new texts, off the UI thread, before the first picker opens
        self.desk.run_worker(partial(self.ctx.desk.replies.index, self.ctx.agent()), thread=True, group="replies",
                             name="warm-replies", exit_on_error=False)

    def _buyer(self) -> str | None:
        current = self.desk.current
        return current.buyer_nick if current is not None else None

    def _warn_missing(self, filled: Filled) -> None:
        if filled.missing:
            self.desk.app.notify("短语中有未填写的占位符：" + "、".join("{" + m + "}" for m in filled.missing)
                                 + "，请手动补全", severity="warning", timeout=6)

    def _count_use(self, phrase: Phrase) -> None:
        """One more use of the phrase (sorts the picker), stored in a thread."""
        replies, agent, code = self.ctx.desk.replies, self.ctx.agent(), phrase.code

        async def count() -> None:
            with contextlib.suppress(WriteFailed):  # said by write_now; the phrase is in the draft
                await write_now(self.desk, lambda: replies.record_use(code, agent), "快捷短语使用次数")

        self.desk.run_worker(count(), group="replies-usage")

    # ---- picker ----------------------------------------------------------------------------
    async def open(self, from_slash: bool = False, query: str = "") -> None:
        """Open the picker and wait until it is mounted, so keys typed right after go into it."""
        app = self.desk.app
        if len(app.screen_stack) > 1:  # a dialog is open: leave the key to it
            raise SkipAction()
        replies, agent, buyer = self.ctx.desk.replies, self.ctx.agent(), self._buyer()
        try:  # the index waits on the file lock while a reload parses; usage and values are store reads
            index, usage, values = await asyncio.to_thread(
                lambda: (replies.index(agent), replies.usage(agent), replies.values(buyer, agent)))
        except Exception as exc:  # a locked or unreachable store: said, the draft stays as it is
            from cs_console.services.errors import report

            app.notify(report(exc, "tui"), title="快捷短语", severity="error", timeout=8)
            return
        if replies.errors and not len(index):
            app.notify("\n".join(replies.errors[:5]), title="快捷短语文件有错误", severity="error", timeout=10)
            return
        from cs_console.tui.reply_picker import ReplyPicker

        picker = ReplyPicker(index, usage, values, query=query, from_slash=from_slash)
        await app.push_screen(picker, callback=partial(self._picked, from_slash), wait_for_dismiss=False)

    async def slash_at_start(self) -> None:
        """``/`` into an empty draft opens the picker (the ``/`` is taken back; Esc leaves the draft empty).

        Keys typed before the picker is up (``/qsd`` in one burst) are already in the draft:
        they move into the picker's query."""
        composer = self.composer
        text = composer.text
        if not text.startswith("/") or "\n" in text or len(self.desk.app.screen_stack) > 1:
            return
        composer.clear()
        try:
            await self.open(from_slash=True, query=text[1:])
        except SkipAction:
            composer.insert_at_cursor(text)

    def _picked(self, from_slash: bool, pick: Pick | None) -> None:
        composer = self.composer
        if pick is None:  # Esc: the draft stays as it was before ``/`` (the ``/`` was the picker's key)
            composer.focus()
            return
        self._insert(pick.phrase, pick.filled)
        if pick.send:
            if pick.filled.missing:
                self.desk.app.notify("有未填写的占位符，已插入但没有发送", severity="warning", timeout=6)
            else:
                composer.post_message(Composer.Submitted(composer.text))

    def _insert(self, phrase: Phrase, filled: Filled) -> None:
        self.composer.insert_at_cursor(filled.text, filled.cursor)
        self._count_use(phrase)
        self._warn_missing(filled)

    # ---- /code + space/Tab in the draft ----------------------------------------------------
    async def _expansion(self, code: str) -> Expansion | None:
        """The phrase of ``code`` filled for the open chat's buyer, read in a thread (the index
        waits on the phrase files' lock while a reload parses; the values are store reads).
        A store that fails or answers too slowly is said; the draft stays as typed."""
        replies, agent, buyer = self.ctx.desk.replies, self.ctx.agent(), self._buyer()

        def read() -> tuple[Phrase, Filled] | None:
            phrase = replies.get(code, agent)
            return None if phrase is None else (phrase, replies.fill(phrase, buyer, agent))

        try:
            found = await asyncio.wait_for(asyncio.to_thread(read), EXPAND_PATIENCE)
        except Exception as exc:  # locked, unreachable, too slow: said; the space is typed as usual
            from cs_console.domain.messages import render
            from cs_console.services.errors import report

            reason = render("store.slow") if isinstance(exc, TimeoutError) else report(exc, "tui")
            self.desk.app.notify(render("replies.not_expanded", code=code, reason=reason), severity="warning",
                                 timeout=6)
            return None
        if found is None:
            return None
        phrase, filled = found

        def applied() -> None:
            self._count_use(phrase)
            self._warn_missing(filled)

        return Expansion(filled.text, filled.cursor, applied)

    # ---- hot reload ------------------------------------------------------------------------
    def poll(self) -> None:
        """Look at the phrase files now (a timer does every ``RELOAD_SECONDS``)."""
        self.desk.run_worker(self._reload_replies, thread=True, group="replies-reload", name="reload-replies",
                             exclusive=True, exit_on_error=False)

    def _watch(self) -> None:
        app = self.desk.app
        while True:
            time.sleep(RELOAD_SECONDS)
            if not app.is_running:
                return
            self._reload_replies(quiet=True)

    def _reload_replies(self, quiet: bool = False) -> None:
        """In a thread: stat the phrase files, parse and index what changed, count the result
        (the event loop never takes the phrase files' lock). ``quiet``: the event loop hears of
        it only when the set or its problems changed."""
        replies, agent = self.ctx.desk.replies, self.ctx.agent()
        changed, problems = replies.reload_if_changed(agent)
        if quiet and not changed and problems == self.problems:
            return
        count = len(replies.index(agent)) if changed else 0  # rebuild now, not at the next keystroke
        kept = len(replies.phrases(agent)) if problems else 0
        try:
            self.desk.app.call_from_thread(self._reloaded, changed, problems, count, kept)
        except RuntimeError:  # the app is closing
            pass

    def _reloaded(self, changed: bool, problems: list[str], count: int, kept: int) -> None:
        if problems and problems != self.problems:
            tail = f"（继续使用上一版：{kept} 条）" if kept else "（暂无可用的快捷短语）"
            self.desk.app.notify("\n".join(problems[:5]) + "\n" + tail, title="快捷短语文件有错误", severity="error",
                                 timeout=15)
        elif changed:
            self.desk.app.notify(f"快捷短语已更新（{count} 条）", timeout=3)
        self.problems = problems
