"""Shared CLI plumbing: --db/--agent/--json options, opening the desk, errors, output."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    import sqlite3

    from cs_console.domain.identity import Principal
    from cs_console.domain.shop import ShopPolicy
    from cs_console.services.desk import Desk

DbOpt = Annotated[
    str | None,
    typer.Option("--db", help="存储：SQLite 文件路径或 SQLAlchemy 地址（默认取 $CS_CONSOLE_DB，否则在用户数据目录）。"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="输出 JSON（供脚本读取）。")]
AgentOpt = Annotated[str | None, typer.Option(
    "--agent", help="只作核对：当前登录的客服（cs-console login / $CS_CONSOLE_TOKEN）必须是此人。")]

# ``cs-console --db X --agent Y <command>``: the root options, for commands that do not repeat them
ROOT_OPTIONS: dict[str, str | None] = {"db": None, "agent": None}


class SafeConsole(Console):
    """A console that never lets stored text drive the terminal: every string printed is
    passed through ``domain.terminal.terminal_safe`` (escape sequences, controls, bidi gone)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        from cs_console.domain.terminal import terminal_safe

        super().print(*(terminal_safe(o) if isinstance(o, str) else o for o in objects), **kwargs)


out = SafeConsole(highlight=False, soft_wrap=True)
err = SafeConsole(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``message`` on stderr (sanitised; a leading ``error:`` becomes 错误：) and exit
    non-zero (nothing was written)."""
    if message.startswith("error: "):
        message = "错误：" + message[len("error: "):]
    err.print(message, markup=False)
    raise typer.Exit(code)


def config_error() -> type[Exception]:
    """``ConfigError``, for an ``except config_error():`` clause (evaluated only while an
    exception is matched, so the YAML/pydantic machinery loads only when a file was bad)."""
    from cs_console.config.yamlfile import ConfigError

    return ConfigError


def resolve_agent(agent: str | None, *, required: bool = True) -> str:
    """--agent, else $CS_CONSOLE_AGENT, else ``agent:`` in the user's config file."""
    from cs_console.config.locations import agent_name

    try:
        name = agent_name(agent or ROOT_OPTIONS["agent"])
    except config_error() as exc:
        fail(str(exc), 2)
    if not name and required:
        fail("错误：请用 --agent 名字 指明客服（或设置 CS_CONSOLE_AGENT，或在配置文件里写 agent:）", 2)
    return name


def acting(desk: Desk, agent: str | None = None) -> Principal:
    """The signed-in agent this command acts as: the token in $CS_CONSOLE_TOKEN, the 0600 file
    named by $CS_CONSOLE_TOKEN_FILE, or this store's ``cs-console login`` session (or the OS
    account, where the shop chose that). ``--agent`` never chooses who acts; a different name
    than the signed-in one is refused."""
    from cs_console.config.credentials import CredentialFileError, find_token
    from cs_console.domain.identity import SignInMethod, SignInRefused

    resolve_agent(agent, required=False)  # a broken config file is reported as before
    try:
        token = find_token(desk.store.url)
        if token:
            me = desk.identity.authenticate(token)
        elif desk.policy.identity.method == SignInMethod.OS_ACCOUNT:
            me = desk.identity.os_account()
        else:
            fail("error: 请先登录：cs-console login（脚本请用 CS_CONSOLE_TOKEN 或 CS_CONSOLE_TOKEN_FILE 提供令牌）", 2)
    except (SignInRefused, CredentialFileError) as exc:
        fail(f"error: {exc}", 2)
    named = (agent or ROOT_OPTIONS["agent"] or "").strip()
    if named and named != me.name:
        fail(f"error: 当前登录的是 {me.name}，不能以 {named} 的身份操作（请用对方的账号登录）", 2)
    return me


def store_url(db: str | None, *, create_folder: bool = False) -> str:
    """The store a command works on: its own --db, else the root --db, else the default.
    A SQLite path whose folder does not exist is refused (a typo must not silently create a
    new, empty store elsewhere) unless ``create_folder`` (``init``)."""
    from pathlib import Path

    from cs_console.config.locations import default_db_url

    url = db or ROOT_OPTIONS["db"] or default_db_url()
    if "://" not in url:
        folder = Path(url).expanduser().parent
        if not folder.is_dir():
            if not create_folder:
                fail(f"错误：数据库所在的文件夹不存在：{folder}（先运行 cs-console init --db {url}）", 2)
            folder.mkdir(parents=True, exist_ok=True)
    return url


def quick_store(db: str | None) -> sqlite3.Connection | None:
    """A read-only ``sqlite3`` connection for a listing command, when the store is a SQLite
    file whose schema is current (``store.quick_read``); None: open the desk instead."""
    from cs_console.store.quick_read import open_current

    return open_current(store_url(db))


def open_desk(db: str | None, *, create_folder: bool = False) -> Desk:
    """Open the store (creating it if new); config and store problems exit with a clear message."""
    # imported here: the TUI's first frame must not wait for SQLAlchemy/pydantic/ruamel
    from cs_console.config.yamlfile import ConfigError
    from cs_console.services.desk import make_desk
    from cs_console.store.engine import StoreError

    try:
        desk = make_desk(store_url(db, create_folder=create_folder))
    except ConfigError as exc:
        fail(str(exc), 2)
    except StoreError as exc:
        fail(f"error: {exc}", 2)
    _SHOP_TZ["name"] = desk.policy.shop.timezone
    return desk


def shop_policy() -> ShopPolicy:
    """The shop's policy (``data/shop.yaml``) for a command that reads without the desk
    (:func:`quick_store`); a bad file exits as in :func:`open_desk`, and :func:`when` shows times
    in the shop's zone from then on."""
    from cs_console.config.policy import load_policy
    from cs_console.config.policy_zone import remember_policy
    from cs_console.config.yamlfile import ConfigError

    try:
        policy = load_policy()
    except ConfigError as exc:
        fail(str(exc), 2)
    _SHOP_TZ["name"] = policy.shop.timezone
    remember_policy(_policy_file(), policy)
    return policy


def read_policy() -> ShopPolicy:
    """The shop's time zone, response thresholds, team, report, follow-up, shift and postage
    settings, for a read-only command: as the last full load of the same ``shop.yaml`` gave them
    (``config.policy_zone``: no pydantic), else :func:`shop_policy` (a bad file exits as there).
    Only those sections may be read from what it returns (the shifts' times only as text)."""
    from cs_console.config.policy_zone import remembered_policy

    policy = remembered_policy(_policy_file())
    if policy is None:
        return shop_policy()
    _SHOP_TZ["name"] = policy.shop.timezone
    return policy  # type: ignore[return-value]  # the same attributes as ShopPolicy's sections


def shop_timezone() -> str:
    """The shop's time zone, for a command that needs nothing else of the policy: the one the
    last full load of the same ``shop.yaml`` gave (``config.policy_zone``), else
    :func:`shop_policy`'s (a bad file exits as there)."""
    from cs_console.config.policy_zone import remembered_zone

    zone = remembered_zone(_policy_file())
    if zone is None:
        return shop_policy().shop.timezone
    _SHOP_TZ["name"] = zone
    return zone


def _policy_file():
    from cs_console.config.locations import data_dir

    return data_dir() / "shop.yaml"


_SHOP_TZ = {"name": "Asia/Shanghai"}  # set by open_desk from the shop's policy


def when(value: datetime | None) -> str | None:
    """An instant as the CLI shows it everywhere: shop time with its offset,
    ``2026-11-23T10:00:00+08:00`` (None stays None)."""
    from cs_console.domain.clock import local

    return None if value is None else local(value, _SHOP_TZ["name"]).isoformat(timespec="seconds")


def emit(data: Any, as_json: bool, human: str | None = None) -> None:
    """Print ``data`` as JSON or the ``human`` text (both safe for the terminal)."""
    if as_json:
        from cs_console.domain.terminal import json_safe

        print(json_safe(json.dumps(data, ensure_ascii=False, indent=2, default=str)))
    elif human is not None:
        out.print(human, markup=False)
