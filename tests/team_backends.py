"""Backends for the team tests: every test runs on SQLite and again on PostgreSQL.

The PostgreSQL run uses the ``pg_url`` fixture (tests/pg.py, a throwaway server)."""

from __future__ import annotations

import pytest

from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _url(request, db_path) -> str:
    if request.param == "sqlite":
        return str(db_path)
    return request.getfixturevalue("pg_url")


@pytest.fixture(params=BACKENDS)
def team_url(request, db_path) -> str:
    """A fresh store URL: a SQLite file, then a PostgreSQL database."""
    return _url(request, db_path)


@pytest.fixture
def desk(team_url, clock):
    """The usual ``desk`` fixture, once per backend."""
    d = make_desk(team_url, policy=load_policy(), clock=clock)
    yield d
    d.close()
