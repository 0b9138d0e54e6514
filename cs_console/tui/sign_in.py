"""The sign-in screen: agent name + password (hidden), checked by ``desk.identity`` in a thread
(argon2 takes a moment; the event loop never waits). Wrong passwords count towards the shop's
lock-out; the message says so. Returns a ``SignedIn``, or None when the agent gives up (Esc).

It is the TUI's first frame: the store may still be opening behind it (``DeskOpening``); the
shop's name joins the title once it is open, and Enter waits for the opening (or tries it again
after a locked or unreachable store)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from cs_console.tui.desk_opening import DeskOpening
from cs_console.tui.dialogs import DIALOG_CSS

if TYPE_CHECKING:
    from cs_console.services.desk import Desk
    from cs_console.services.identity import SignedIn  # noqa: F401  (the screen's result type)


class SignInScreen(ModalScreen["SignedIn | None"]):
    """登录: name and password; Enter signs in, Esc leaves the desk."""

    # the first sign-in covers the whole terminal (nothing of the desk to dim behind it yet, and
    # no dimmed copy of it to draw at every keystroke); signing in again dims the desk behind
    DEFAULT_CSS = ("SignInScreen { align: center middle; }\nSignInScreen.-first { background: $background; }\n"
                   + DIALOG_CSS)
    BINDINGS = [Binding("escape", "give_up", "退出", id="signin.cancel")]
    AUTO_FOCUS = None  # on_mount puts the caret in the password when the name is known

    def __init__(self, desk: Desk | DeskOpening, name: str = "", reason: str = "", *, first: bool = False):
        """``desk``: the open desk, or its opening still under way (see ``desk_opening``).
        ``first``: the sign-in at start, before the desk is shown."""
        super().__init__(classes="-first" if first else None)
        self.opening = desk if isinstance(desk, DeskOpening) else DeskOpening.of(desk)
        self.default_name, self.reason = name, reason

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title(), classes="dialog-title", id="signin-title")
            if self.reason:
                yield Label(Text(self.reason), classes="dialog-error")
            yield Input(value=self.default_name, placeholder="客服名", id="signin-name")
            yield Input(placeholder="密码", password=True, id="signin-password")
            yield Label("", id="error", classes="dialog-error")
            yield Label("Enter 登录 · Tab 切换 · Esc 退出", classes="dialog-hint")

    def _title(self) -> str:
        desk = self.opening.desk
        return f"登录 · {desk.policy.shop.name}" if desk is not None else "登录"

    def on_mount(self) -> None:
        self.query_one("#signin-password" if self.default_name else "#signin-name", Input).focus()

    def store_opened(self) -> None:
        """The store opened behind the screen: the title names the shop; a message about the
        store not opening is gone (what the agent typed stays as it is)."""
        self.query_one("#signin-title", Label).update(self._title())
        if self._store_trouble:
            self._store_trouble = False
            self._error("")

    def store_not_opened(self, message: str) -> None:
        """Opening the store failed (locked, unreachable): said here; Enter tries again."""
        self._store_trouble = True
        self._error(message)

    _store_trouble = False

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = self.query_one("#signin-name", Input).value.strip()
        password = self.query_one("#signin-password", Input).value
        if event.input.id == "signin-name" and not password:
            self.query_one("#signin-password", Input).focus()
            return
        if not name or not password:
            self._error("请输入客服名和密码")
            return
        self._error("正在登录…")
        self._check(name, password)

    @work(thread=True, exclusive=True, group="sign-in")
    def _check(self, name: str, password: str) -> None:
        from cs_console.domain.identity import SignInRefused

        try:
            signed = self.opening.get().identity.sign_in(name, password)
        except SignInRefused as exc:
            self.app.call_from_thread(self._refused, str(exc))
            return
        except Exception as exc:  # a locked or unreachable store: said here, name and password kept
            from cs_console.services.errors import report

            self.app.call_from_thread(self.store_not_opened if self.opening.desk is None else self._error,
                                      report(exc, "tui"))
            return
        self.app.call_from_thread(self.dismiss, signed)

    def _refused(self, message: str) -> None:
        self._error(message)
        field = self.query_one("#signin-password", Input)
        field.value = ""
        field.focus()

    def _error(self, message: str) -> None:
        self.query_one("#error", Label).update(Text(message))

    def action_give_up(self) -> None:
        self.dismiss(None)
