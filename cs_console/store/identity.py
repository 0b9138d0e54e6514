"""Repository for sign-in: credentials, sessions/tokens, and resolving who acts.

``actor`` is the one place a service turns "who is acting" into an agent row: a signed-in
``Principal`` (checked against the store) or, for in-process callers, the name of an agent that
already exists. Nobody is ever created here.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from cs_console.domain.identity import Principal
from cs_console.store.chats import NotFound, find_agent
from cs_console.store.tables import Agent
from cs_console.store.tables.identity import AgentCredential, AgentSession

Actor = Principal | str


class UnknownAgent(NotFound):
    """The acting agent does not exist (names are never created on the fly)."""


def actor(s: Session, who: Actor) -> Agent:
    """The agent row of the one acting; an unknown agent or a forged principal is refused."""
    if isinstance(who, Principal):
        agent = s.get(Agent, who.agent_id)
        if agent is None or agent.name != who.name:
            raise UnknownAgent("signin.agent_gone", name=who.name)
        return agent
    agent = find_agent(s, str(who))
    if agent is None:
        raise UnknownAgent("signin.no_such_agent", name=repr(str(who).strip()))
    return agent


def credential(s: Session, agent_id: int) -> AgentCredential | None:
    return s.get(AgentCredential, agent_id)


def any_credentials(s: Session) -> bool:
    return s.exec(select(AgentCredential.agent_id).limit(1)).first() is not None


def set_credential(s: Session, agent_id: int, password_hash: str, now: datetime) -> None:
    cred = s.get(AgentCredential, agent_id)
    if cred is None:
        s.add(AgentCredential(agent_id=agent_id, password_hash=password_hash, changed_at=now))
    else:
        cred.password_hash, cred.changed_at, cred.failures, cred.last_failure_at = password_hash, now, 0, None
    s.flush()


def add_session(s: Session, agent_id: int, token_hash: str, kind: str, via: str, now: datetime,
                expires_at: datetime, label: str = "") -> AgentSession:
    row = AgentSession(token_hash=token_hash, agent_id=agent_id, kind=kind, via=via, label=label[:64],
                       created_at=now, expires_at=expires_at)
    s.add(row)
    s.flush()
    return row


def session_by_hash(s: Session, token_hash: str) -> tuple[AgentSession, Agent] | None:
    row = s.exec(select(AgentSession, Agent).join(Agent, Agent.id == AgentSession.agent_id)
                 .where(AgentSession.token_hash == token_hash)).first()
    return (row[0], row[1]) if row else None


def session_by_id(s: Session, session_id: int) -> tuple[AgentSession, Agent] | None:
    row = s.exec(select(AgentSession, Agent).join(Agent, Agent.id == AgentSession.agent_id)
                 .where(AgentSession.id == session_id)).first()
    return (row[0], row[1]) if row else None


def live_session_ids(s: Session, agent_id: int, kind: str) -> list[int]:
    return list(s.exec(select(AgentSession.id).where(AgentSession.agent_id == agent_id, AgentSession.kind == kind,
                                                     col(AgentSession.revoked_at).is_(None))).all())


def revoke(s: Session, token_hash: str, now: datetime) -> bool:
    row = s.exec(select(AgentSession).where(AgentSession.token_hash == token_hash)).first()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    return True


def revoke_all(s: Session, agent_id: int, now: datetime, kind: str | None = None) -> int:
    q = select(AgentSession).where(AgentSession.agent_id == agent_id, col(AgentSession.revoked_at).is_(None))
    if kind:
        q = q.where(AgentSession.kind == kind)
    rows = list(s.exec(q).all())
    for r in rows:
        r.revoked_at = now
    return len(rows)
