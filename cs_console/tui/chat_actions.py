"""The desk's actions on its chats: send the draft, 请稍等 to the next waiting buyer, end the
chat (结束会话), resend failed replies (重发). Each runs as a job of the store loop; the open chat,
the session list and the drafts are the desk screen's state."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from cs_console.domain.placeholders import unfilled_placeholders
from cs_console.tui import store_loop as sl

if TYPE_CHECKING:
    from cs_console.tui.desk_screen import DeskContext, DeskScreen


class ChatActions:
    """Send, please-wait, close and resend for the desk screen (its keys call these)."""

    def __init__(self, ctx: DeskContext, desk: DeskScreen):
        self.ctx, self.desk = ctx, desk
        self._sending: int | None = None  # the chat whose draft is on its way to the buyer

    def _refused(self, prefix: str, exc: BaseException) -> None:
        from cs_console.services.errors import user_message

        self.desk.app.notify(prefix + user_message(exc), severity="error", timeout=6)

    def send(self, text: str) -> None:
        """Enter in the draft: the draft goes to the buyer (refused with the reason on screen)."""
        if self.desk.current is None:
            self.desk.app.notify("先选择一个会话", severity="warning")
            return
        if not text.strip():
            self.desk.app.notify("草稿是空的，没有发送", severity="warning", timeout=2)
            return
        unfilled = unfilled_placeholders(text)
        if unfilled:  # a phrase's {tracking_no} etc. never reaches the buyer
            self.desk.app.notify("草稿里还有未填写的占位符：" + " ".join(f"{{{n}}}" for n in unfilled), severity="warning")
            return
        if self._sending is not None:
            return  # Enter again while the last one is on its way
        chat_id, actor = self.desk.current.chat_id, self.ctx.actor()
        self._sending = chat_id
        self.desk.capture_draft()  # the draft stays (and stays journalled) until the store has the message
        self.ctx.loop.submit(lambda d: d.chats.send(chat_id, actor, text), refresh=True, announce=True,
                             patience=sl.SEND_PATIENCE, on_done=partial(self._sent, chat_id, text),
                             on_error=partial(self._send_failed, chat_id))

    def _sent(self, chat_id: int, text: str, _posted) -> None:
        """The message is stored: what was typed after Enter is the next message's start."""
        self._sending = None
        self.desk.drafts.sent(chat_id, text, shown=self.desk.current is not None and self.desk.current.chat_id == chat_id)

    def _send_failed(self, chat_id: int, exc: BaseException) -> None:
        self._sending = None
        self._refused("没有发送：", exc)

    def please_wait(self) -> None:
        """接一、待二、招呼三: greet the longest-waiting *other* buyer without leaving this chat."""
        current = self.desk.current.chat_id if self.desk.current else None
        target = next((c for c in self.desk.session_chats if c.waiting_since is not None and c.chat_id != current), None)
        if target is None:
            self.desk.app.notify("没有其他等待中的买家", timeout=2)
            return
        actor = self.ctx.actor()
        self.ctx.loop.submit(lambda d: d.chats.please_wait(target.chat_id, actor), refresh=True, announce=True,
                             patience=sl.SEND_PATIENCE,
                             on_done=lambda _: self.desk.app.notify(f"已请 {target.buyer_nick} 稍等", timeout=2),
                             on_error=partial(self._refused, "没有发送："))

    def close_chat(self) -> None:
        """End the chat: it leaves the list at once; the store loop stores it (or says why not)."""
        if self.desk.current is None:
            return
        closing, actor = self.desk.current, self.ctx.actor()
        self.desk.capture_draft()
        self.ctx.loop.submit(lambda d: d.chats.close(closing.chat_id, actor), refresh=True, announce=True,
                             patience=sl.SEND_PATIENCE,
                             on_done=lambda _: self.desk.app.notify(f"已结束与 {closing.buyer_nick} 的会话", timeout=2),
                             on_error=self._close_failed)
        self.desk.session_chats = [c for c in self.desk.session_chats if c.chat_id != closing.chat_id]
        self.desk.selection.leave_current()
        if self.desk.session_chats:
            self.desk.selection.select_chat(self.desk.session_chats[0].chat_id)

    def _close_failed(self, exc: BaseException) -> None:
        self._refused("没有结束会话：", exc)
        self.ctx.loop.refresh()  # the chat comes back into the list

    def resend_failed(self) -> None:
        """重发: every failed reply of this chat goes out again (same delivery id). (The lines'
        已发送/已送达/失败/已读 are read by the store loop after every change: ``Statuses``.)"""
        if self.desk.current is None:
            self.desk.app.notify("先选择一个会话", severity="warning")
            return
        chat_id = self.desk.current.chat_id

        def done(n: int) -> None:
            self.desk.app.notify(f"已重发 {n} 条失败的消息" if n else "这个会话没有发送失败的消息", timeout=3)

        self.ctx.loop.submit(lambda d: d.gateway.resend_failed(chat_id), refresh=True, announce=True, patience=10.0,
                             on_done=done, on_error=lambda exc: self.desk.app.notify(str(exc), severity="error"))
