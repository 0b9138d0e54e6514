"""A throwaway PostgreSQL cluster for the tests: initdb + pg_ctl in a temp dir, on a free
loopback port, stopped (and deleted) at the end of the session.

initdb refuses to run as root, so as root the cluster runs as an unprivileged system user
(``postgres`` if the Debian package created it, else ``nobody``) in a directory it owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path


class PgUnavailable(RuntimeError):
    """The server binaries are missing or the cluster did not start."""


def find_bindir() -> Path | None:
    """Directory holding initdb and pg_ctl: PATH first, then /usr/lib/postgresql/*/bin (newest)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name)
                        if Path(p).parent.name.isdigit() else 0)
    for c in reversed(candidates):
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise PgUnavailable("running as root and no unprivileged user (postgres/nobody) to run initdb")


class PgCluster:
    """``start()`` → ``url`` (superuser, trust auth on 127.0.0.1); ``stop()`` removes everything."""

    def __init__(self) -> None:
        self.bindir = find_bindir()
        self.port = 0
        self.tmp: Path | None = None
        self.user = _run_as()

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _cmd(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        def demote() -> None:  # pragma: no cover - runs in the child
            if self.user is not None:
                os.setgid(self.user.pw_gid)
                os.setuid(self.user.pw_uid)
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        proc = subprocess.run(list(args), preexec_fn=demote, env=env, cwd=self.tmp,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        if check and proc.returncode != 0:
            raise PgUnavailable(f"{' '.join(args[:2])} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}")
        return proc

    def start(self) -> str:
        if self.bindir is None:
            raise PgUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; "
                                "install them with: apt-get install -y postgresql")
        self.tmp = Path(tempfile.mkdtemp(prefix="cs-console-pg-"))
        os.chmod(self.tmp, 0o700)
        if self.user is not None:
            os.chown(self.tmp, self.user.pw_uid, self.user.pw_gid)
        data, sock = self.tmp / "data", self.tmp / "sock"
        self._cmd(str(self.bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--no-sync")
        # the superuser (the tests' store owner) is trusted on loopback; every other role — the
        # agents' login roles — must prove its password (SCRAM), as on a shop's server
        (data / "pg_hba.conf").write_text("local all all trust\n"
                                          "host all postgres 127.0.0.1/32 trust\n"
                                          "host all all 127.0.0.1/32 scram-sha-256\n")
        sock.mkdir()
        if self.user is not None:
            os.chown(sock, self.user.pw_uid, self.user.pw_gid)
        for _attempt in range(3):
            self.port = free_port()
            opts = (f"-p {self.port} -c listen_addresses=127.0.0.1 -k {sock} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100")
            proc = self._cmd(str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.tmp / "log"),
                             "-o", opts, "-w", "-t", "60", "start", check=False)
            if proc.returncode == 0:
                self._opts = opts
                return self.url
        log = (self.tmp / "log").read_text(errors="replace")[-2000:] if (self.tmp / "log").exists() else ""
        raise PgUnavailable(f"pg_ctl start failed: {proc.stderr.strip()}\n{log}")

    def create_database(self) -> str:
        """A fresh empty store for one test; returns its URL.

        A schema of its own (``search_path`` set in the URL) rather than a database:
        CREATE DATABASE costs ~1 s, CREATE SCHEMA milliseconds; tables, sequences and
        constraints are all per schema, so tests cannot see each other's rows."""
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')
        return f"{self.url}?options=-csearch_path%3D{name}"

    def halt(self) -> None:
        """Stop the server as a crash or a restart would (``-m immediate``), keeping its data."""
        self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.tmp / "data"), "-m", "immediate", "-w", "stop")

    def resume(self) -> None:
        """Start the halted server again on the same port."""
        self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.tmp / "data"), "-l", str(self.tmp / "log"),
                  "-o", self._opts, "-w", "-t", "60", "start")

    def stop(self) -> None:
        if self.tmp is None:
            return
        if self.port:
            self._cmd(str(self.bindir / "pg_ctl"), "-D", str(self.tmp / "data"), "-m", "immediate", "-w",
                      "stop", check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.tmp = None
