"""Delivery status of replies to channel buyers in the transcript, and 重发 of failed ones."""

from __future__ import annotations

from textual import work

from cs_console.tui.transcript import Transcript


class DeliveryActions:
    """Mixed into the app: keeps 已发送/已送达/失败/已读 current and re-sends failed replies."""

    def refresh_delivery_status(self) -> None:
        """On a store change: statuses of the transcript's outbound lines that may still move."""
        t = self.query_one(Transcript)
        ids = [m.id for m in t.messages if m.status and m.status != "read"]
        if ids:
            t.update_statuses(self.desk.gateway.statuses(ids))

    def action_resend_failed(self) -> None:
        """重发: every failed reply of this chat goes out again (same delivery id)."""
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        self._resend(self.current.chat_id)

    @work(thread=True, exclusive=True, group="resend")
    def _resend(self, chat_id: int) -> None:
        n = self.desk.gateway.resend_failed(chat_id)
        message = f"已重发 {n} 条失败的消息" if n else "这个会话没有发送失败的消息"
        self.call_from_thread(self.notify, message, timeout=3)
