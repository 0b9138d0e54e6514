"""The TUI's side of the one error path (``services/errors``).

Textual's default for an exception that escapes a handler or a worker is a rich traceback
*with frame locals* (drafts, buyers' phones) printed after the app exits. This mixin replaces
it: the details go, masked, to the error log; the terminal gets one Chinese sentence.
"""

from __future__ import annotations

from rich.text import Text


class ErrorPathMixin:
    """Mix into the App before ``App``: ``class CsConsoleApp(ErrorPathMixin, App)``.

    A mixin, not a feature object: it overrides the App's own exception handling
    (``_handle_exception``, ``_fatal_error``), which only a class in the App's MRO can do."""

    _last_error: BaseException | None = None

    def _handle_exception(self, error: Exception) -> None:
        self._last_error = error
        super()._handle_exception(error)  # sets the return code, keeps Pilot's re-raise

    def _fatal_error(self) -> None:
        from cs_console.domain.text import clean_text
        from cs_console.services.errors import report

        error = self._last_error
        message = report(error, "tui") if error is not None else "内部错误"
        self.bell()
        self._exit_renderables.append(Text("错误：" + clean_text(message)))
        self._close_messages_no_wait()
