"""Delivery status of replies to channel buyers in the transcript, and 重发 of failed ones."""

from __future__ import annotations


class DeliveryActions:
    """Mixed into the app: re-sends failed replies. (已发送/已送达/失败/已读 of the transcript's
    lines are read by the store loop after every change: ``store_loop.Statuses``.)"""

    def action_resend_failed(self) -> None:
        """重发: every failed reply of this chat goes out again (same delivery id)."""
        if self.current is None:
            self.notify("先选择一个会话", severity="warning")
            return
        self._resend(self.current.chat_id)

    def _resend(self, chat_id: int) -> None:
        def done(n: int) -> None:
            self.notify(f"已重发 {n} 条失败的消息" if n else "这个会话没有发送失败的消息", timeout=3)

        self.loop.submit(lambda d: d.gateway.resend_failed(chat_id), refresh=True, announce=True, patience=10.0,
                         on_done=done, on_error=lambda exc: self.notify(str(exc), severity="error"))
