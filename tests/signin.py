"""Test helper: sign an agent in (creating it first) and get its ``Principal``.

``sign_in(desk, "小美")`` goes through the identity service's own session path, so what tests
get is exactly what the CLI/TUI get after a sign-in. ``password=...`` uses the real argon2 path.
"""

from __future__ import annotations

from cs_console.domain.identity import Principal
from cs_console.services.desk import Desk
from cs_console.store import team as team_repo
from cs_console.store.tables import Agent

SUPERVISOR_PASSWORD = "主管的测试密码123"


def add_agent(desk: Desk, name: str, role: str | None = None) -> None:
    """Create an agent directly in the store, as a supervisor would (``role``: change it; None:
    a new agent is a plain agent, an existing one keeps its role)."""
    from sqlmodel import select

    from cs_console.domain.team import parse_role

    with desk.store.write() as s:
        existing = s.exec(select(Agent).where(Agent.name == name)).first()
        if existing is None or role is not None:
            team_repo.upsert_agent(s, name, parse_role(role or "agent"), None, desk.clock())


def sign_in(desk: Desk, name: str, role: str | None = None, *, password: str | None = None) -> Principal:
    """The agent ``name`` with ``role``, signed in; with ``password`` via the real password check."""
    add_agent(desk, name, role)
    if password is None:
        return desk.identity.demo_sign_in(name).principal
    with desk.store.read() as s:
        from sqlmodel import select

        agent = s.exec(select(Agent).where(Agent.name == name)).one()
    with desk.store.write() as s:
        from argon2 import PasswordHasher

        from cs_console.store import identity as repo

        repo.set_credential(s, agent.id, PasswordHasher().hash(password), desk.clock())
    return desk.identity.sign_in(name, password).principal


def token_for(desk: Desk, name: str, role: str | None = None) -> str:
    """A script token of ``name`` (for CLI tests: put it in CS_CONSOLE_TOKEN)."""
    return desk.identity.issue_token(sign_in(desk, name, role), "test").token


COMMON_AGENTS = ("小美", "阿强", "小王", "小李", "阿杰", "主管A")


def add_agents(desk: Desk, *names: str) -> Desk:
    """Create the agents a test acts as (a supervisor's job in real life; sends never create)."""
    for name in names or COMMON_AGENTS:
        add_agent(desk, name)
    return desk


def cli_token(db: object, name: str, role: str | None = None) -> str:
    """A token of ``name`` (created with ``role``) on the store at ``db``, for CLI runs."""
    from cs_console.services.desk import make_desk

    desk = make_desk(str(db))
    try:
        return token_for(desk, name, role)
    finally:
        desk.close()


def cli_as(db: object, name: str, role: str | None = None) -> dict[str, str]:
    """``CliRunner().invoke(..., env=cli_as(db, "小美"))``: the command runs signed in as 小美."""
    from cs_console.config.credentials import ENV_TOKEN

    return {ENV_TOKEN: cli_token(db, name, role)}
