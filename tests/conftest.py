"""Shared fixtures: a real SQLite store in a tmp dir, a controllable clock, a desk."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from cs_console.config.policy import load_policy
from cs_console.services.desk import Desk, make_desk


class FakeClock:
    """A clock the test moves by hand (aware UTC). ``publish`` (set by the ``clock`` fixture)
    hands every new time to commands the test runs (``CS_CONSOLE_NOW``, the system clock of a
    CLI invocation or a child process), so they see the same day as the data the test seeded."""

    def __init__(self, start: datetime | None = None, publish=None):
        self._publish = publish or (lambda _now: None)
        self.now = start or datetime(2026, 11, 23, 2, 0, 0, tzinfo=UTC)  # 10:00 in Shanghai

    @property
    def now(self) -> datetime:
        return self._now

    @now.setter
    def now(self, value: datetime) -> None:
        self._now = value
        self._publish(value)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float = 0, **kw) -> datetime:
        self.now += timedelta(seconds=seconds, **kw)
        return self.now


@pytest.fixture(autouse=True)
def _isolated_user_config(tmp_path_factory, monkeypatch):
    """Tests never read the developer's own config file, store or agent name."""
    monkeypatch.setenv("CS_CONSOLE_CONFIG", str(tmp_path_factory.mktemp("cfg") / "config.yaml"))
    monkeypatch.delenv("CS_CONSOLE_DB", raising=False)
    monkeypatch.delenv("CS_CONSOLE_AGENT", raising=False)
    monkeypatch.delenv("CS_CONSOLE_NOW", raising=False)


@pytest.fixture
def clock(monkeypatch) -> FakeClock:
    from cs_console.domain.clock import CLOCK_ENV

    return FakeClock(publish=lambda now: monkeypatch.setenv(CLOCK_ENV, now.isoformat()))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


@pytest.fixture
def desk(db_path: Path, clock: FakeClock) -> Desk:
    d = make_desk(str(db_path), policy=load_policy(), clock=clock)
    yield d
    d.close()


@pytest.fixture(autouse=True, scope="session")
def _isolated_user_dirs(tmp_path_factory):
    """Never write the real user cache / personal phrase dirs from tests."""
    mp = pytest.MonkeyPatch()
    base = tmp_path_factory.mktemp("user-dirs")
    mp.setenv("CS_CONSOLE_CACHE", str(base / "cache"))
    mp.setenv("CS_CONSOLE_PERSONAL_REPLIES", str(base / "personal"))
    mp.setenv("CS_CONSOLE_JOURNAL", str(base / "journal"))
    yield base
    mp.undo()


@pytest.fixture
def sqlite_desk(db_path: Path, clock: FakeClock) -> Desk:
    """A SQLite desk on ``db_path`` for modules that override ``desk`` with ``any_desk``."""
    d = make_desk(str(db_path), policy=load_policy(), clock=clock)
    yield d
    d.close()


# ---- PostgreSQL (tests/pg.py): one throwaway cluster per session, a fresh database per test ----
@pytest.fixture(scope="session")
def pg_cluster():
    """The session's PostgreSQL server. Missing/broken: fail under CI=true, else skip."""
    import os

    from tests.pg import PgCluster, PgUnavailable

    cluster = PgCluster()
    try:
        cluster.start()
    except PgUnavailable as exc:
        cluster.stop()
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL tests must run in CI but the server could not start: {exc}")
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture
def pg_url(pg_cluster) -> str:
    """URL of a fresh, empty PostgreSQL database (one per test)."""
    return pg_cluster.create_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path: Path) -> str:
    """A fresh store on each backend: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "any.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def any_desk(store_url: str, clock: FakeClock) -> Desk:
    """A desk on SQLite and (second run) on PostgreSQL."""
    d = make_desk(store_url, policy=load_policy(), clock=clock)
    yield d
    d.close()
