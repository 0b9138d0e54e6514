"""The TUI signs the agent in before the desk: a wrong password is refused on screen, the right
one opens the desk acting as that agent. The sign-in is the first frame: it is up and takes
every key while the store is still opening, and a store that cannot be reached is said there in
Chinese, Enter trying again."""

from __future__ import annotations

import time

from textual.widgets import Input, Label

from cs_console.tui.app import CsConsoleApp
from cs_console.tui.sign_in import SignInScreen
from tests.signin import sign_in

PW = "xiaomeipass123"  # typed key by key: ASCII (an IME would commit CJK text at once)


async def wait_for(pilot, condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached"
        await pilot.pause(0.05)


def _error(app) -> str:
    return str(app.screen.query_one("#error", Label).render())


async def test_sign_in_screen_refuses_a_wrong_password_then_opens_the_desk(desk):
    sign_in(desk, "小美", password=PW)
    chat = desk.chats.inject("小王", "在吗").chat_id
    app = CsConsoleApp(desk, "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.screen.query_one("#signin-name", Input).value == "小美"
        await wait_for(pilot, lambda: app.focused is app.screen.query_one("#signin-password", Input))
        await pilot.press(*"wrongpassword", "enter")
        await wait_for(pilot, lambda: "密码错误" in _error(app))
        assert app.principal is None and not app.query("#sessions")
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: app.principal is not None, timeout=15)
        await wait_for(pilot, lambda: bool(app.query("#sessions")))
        assert app.principal.name == "小美" and app.principal.via == "password"
        await pilot.press(*"在的", "enter")
        await wait_for(pilot, lambda: any(m.sender == "agent" for m in desk.chats.recent(chat)))
    [reply] = [m for m in desk.chats.recent(chat) if m.sender == "agent"]
    assert reply.author == "小美"


async def test_escape_on_the_sign_in_screen_leaves_without_acting(desk):
    app = CsConsoleApp(desk, "", sign_in="screen")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not app.is_running)
    assert app.principal is None


async def test_an_expired_session_asks_to_sign_in_again(desk, clock):
    sign_in(desk, "小美", password=PW)
    app = CsConsoleApp(desk, "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await wait_for(pilot, lambda: app.focused is next(iter(app.screen.query("#signin-password")), False))
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")))
        clock.advance(hours=desk.policy.identity.session_hours + 1)
        app.check_session()  # the heartbeat does this every team.heartbeat_seconds
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen) and bool(app.screen.query(".dialog-error")))
        assert "过期" in str(app.screen.query_one(".dialog-error", Label).render())
        await wait_for(pilot, lambda: app.focused is next(iter(app.screen.query("#signin-password")), False))
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, SignInScreen))
        assert app.principal.name == "小美" and desk.identity.authenticate(app._session_token).name == "小美"


async def test_the_os_account_signs_in_by_itself_where_the_shop_chose_it(desk, monkeypatch):
    import getpass

    from cs_console.domain.identity import IdentitySettings, SignInMethod

    monkeypatch.setattr(getpass, "getuser", lambda: "xiaomei")
    desk.policy = desk.policy.model_copy(update={"identity": IdentitySettings(method=SignInMethod.OS_ACCOUNT)})
    desk.identity.settings = desk.policy.identity
    sign_in(desk, "xiaomei")
    app = CsConsoleApp(desk, "", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")))
        assert (app.principal.name, app.principal.via) == ("xiaomei", "os_account")
        assert not isinstance(app.screen, SignInScreen)
        # the desk finishes mounting (its side tabs) before the test closes the app
        await wait_for(pilot, lambda: app.desk_seconds is not None and app.query("#handover-tab OptionList"))


async def _desk_built(pilot, app) -> None:
    """The side tabs other than 订单 follow the session list: built before the test closes the app."""
    from cs_console.tui.side import SidePanel

    await wait_for(pilot, lambda: app.desk_seconds is not None and app.desk_screen.query_one(SidePanel).all_built,
                   timeout=15)
    await pilot.pause(0.2)  # what the tabs' mounts started (their own children) settles too


def _opener(db_path, clock, gate=None):
    """Opens the real store at ``db_path`` (after ``gate`` is set, when given): the TUI's opener."""
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    def open_desk():
        if gate is not None:
            assert gate.wait(15)
        return make_desk(str(db_path), policy=load_policy(), clock=clock)

    return open_desk


async def test_the_sign_in_screen_is_up_and_takes_typing_before_the_store_has_opened(desk, db_path, clock):
    import threading

    sign_in(desk, "xiaomei", password=PW)
    desk.chats.inject("小王", "在吗")
    gate = threading.Event()
    app = CsConsoleApp(_opener(db_path, clock, gate), "", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        assert app.desk is None  # the store is still opening
        assert app.focused is app.screen.query_one("#signin-name", Input)
        await pilot.press(*"xiao")
        gate.set()  # the store opens while the agent types on
        await pilot.press(*"mei")
        await wait_for(pilot, lambda: app.desk is not None, timeout=15)
        await pilot.press("tab", *PW)
        await wait_for(pilot, lambda: "· " in str(app.screen.query_one("#signin-title", Label).render()))
        name, password = (app.screen.query_one(f"#signin-{f}", Input).value for f in ("name", "password"))
        assert (name, password) == ("xiaomei", PW)  # not one key lost while the desk was built behind
        assert not app.query("#sessions")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")), timeout=15)
        assert app.principal.name == "xiaomei"
        await _desk_built(pilot, app)


async def test_tab_moves_between_the_fields_before_the_store_has_opened(desk, db_path, clock):
    """An agent who types name, Tab, password, Enter at once: every key lands where it should
    while the store is still opening."""
    import threading

    sign_in(desk, "xiaomei", password=PW)
    gate = threading.Event()
    app = CsConsoleApp(_opener(db_path, clock, gate), "", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press(*"xiaomei", "tab", *PW)
        assert app.desk is None  # all of it typed before the store opened
        name, password = (app.screen.query_one(f"#signin-{f}", Input) for f in ("name", "password"))
        assert (name.value, password.value) == ("xiaomei", PW)
        assert app.focused is password
        await pilot.press("shift+tab")
        assert app.focused is name
        await pilot.press("tab", "enter")
        gate.set()
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")), timeout=15)
        assert app.principal.name == "xiaomei"
        await _desk_built(pilot, app)


async def test_enter_before_the_store_has_opened_waits_for_it_then_signs_in(desk, db_path, clock):
    import threading

    sign_in(desk, "小美", password=PW)
    gate = threading.Event()
    app = CsConsoleApp(_opener(db_path, clock, gate), "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: "正在登录" in _error(app))
        assert app.principal is None
        gate.set()
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")), timeout=15)
        assert app.principal.name == "小美" and app.principal.via == "password"
        await _desk_built(pilot, app)


async def test_a_store_that_cannot_be_reached_is_said_on_the_sign_in_screen_and_enter_tries_again(
        desk, db_path, clock, tmp_path):
    sign_in(desk, "小美", password=PW)
    desk.close()
    share = tmp_path / "share"  # the shop's store on a drive that is not there yet
    share.write_text("")  # a file stands where the folder should be: the store cannot be opened
    app = CsConsoleApp(_opener(share / "store.db", clock), "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await wait_for(pilot, lambda: "无法打开店铺数据" in _error(app), timeout=15)
        assert all(ord(ch) > 127 for ch in _error(app)[:8])  # said in Chinese
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: "无法" in _error(app), timeout=15)
        assert app.principal is None and app.screen.query_one("#signin-password", Input).value == PW
        share.unlink()  # the drive is back
        share.mkdir()
        db_path.rename(share / "store.db")
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")), timeout=15)
        assert app.principal.name == "小美"
        await _desk_built(pilot, app)


async def test_quitting_as_soon_as_the_session_list_shows_leaves_cleanly(desk, db_path, clock):
    sign_in(desk, "小美", password=PW)
    app = CsConsoleApp(_opener(db_path, clock), "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await wait_for(pilot, lambda: app.focused is next(iter(app.screen.query("#signin-password")), False))
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: bool(app.query("#sessions")), timeout=15)
        await pilot.press("ctrl+q")  # the side tabs may still be mounting: they finish, then it quits
        await wait_for(pilot, lambda: not app.is_running, timeout=15)


async def test_the_reads_done_while_the_agent_types_count_no_try_and_sign_nobody_in(desk, db_path, clock):
    """Behind the sign-in the desk reads the named agent ahead (so Enter waits only for the
    password check): that is no try. The shop's wrong tries before a lock-out are all the
    agent's own, and the sign-in then works as before."""
    sign_in(desk, "小美", password=PW)
    tries = desk.policy.identity.max_failures
    app = CsConsoleApp(_opener(db_path, clock), "小美", sign_in="screen")
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, SignInScreen))
        await wait_for(pilot, lambda: app._prepared is not None, timeout=15)  # the reads ahead are done
        assert app.principal is None
        for _ in range(tries - 1):
            await pilot.press(*"wrongpassword", "enter")
            await wait_for(pilot, lambda: "用户名或密码错误" in _error(app))
            app.screen.query_one("#error", Label).update("")
        await pilot.press(*PW, "enter")
        await wait_for(pilot, lambda: app.principal is not None and bool(app.query("#sessions")), timeout=15)
        assert app.principal.name == "小美" and app.principal.via == "password"
        await _desk_built(pilot, app)


def test_reading_ahead_for_a_name_signs_nobody_in_and_leaves_the_tries_as_they_were(desk, clock):
    import pytest

    from cs_console.domain.identity import SignInRefused

    sign_in(desk, "小美", password=PW)
    for name in ("小美", "没有这个人", ""):
        desk.identity.warm_up(name)
    tries = desk.policy.identity.max_failures
    for _ in range(tries - 1):
        with pytest.raises(SignInRefused, match="用户名或密码错误"):
            desk.identity.sign_in("小美", "wrongpassword")
    assert desk.identity.sign_in("小美", PW).principal.name == "小美"
