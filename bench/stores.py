"""Bench stores at a real team's sizes, generated fast (raw executemany / COPY) and cached.

Sizes (``SIZES``): ``0`` (schema only), ``demo`` (the 50 × 500 messages of a demo day),
``10k`` and ``100k`` open chats (each with as many closed chats of history, 100k / 1M messages,
50k / 500k orders, a year of first responses). In every size the agent ``bench`` (capacity 50)
serves the 50 heavy chats (500 messages each, waiting for an answer); the other open chats are
answered or queued. SQLite stores are cached under ``bench/results/`` (gitignored) keyed by the
generator's version and the schema fingerprint; PostgreSQL stores are generated into the URL given.
"""

from __future__ import annotations

import random
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import Table

RESULTS = Path(__file__).with_name("results")
GENERATOR_VERSION = 4
AGENT, CAPACITY, HEAVY, HEAVY_MESSAGES = "bench", 50, 50, 500
OTHER_AGENTS = 20
END = datetime(2026, 11, 30, 0, 0, tzinfo=UTC)  # the store's "now"; history reaches back a year


@dataclass(frozen=True)
class Size:
    name: str
    open_chats: int
    messages: int
    orders: int

    @property
    def label(self) -> str:
        return self.name


SIZES = {
    "0": Size("0", 0, 0, 0),
    "demo": Size("demo", HEAVY, HEAVY * HEAVY_MESSAGES, 1_000),
    "10k": Size("10k", 10_000, 100_000, 50_000),
    "100k": Size("100k", 100_000, 1_000_000, 500_000),
}


def heavy_last_text(chat_no: int) -> str:
    """The newest message of heavy chat ``chat_no`` (1-based): what a settled switch shows."""
    return f"最后一条#{chat_no:02d} 请问今天能发货吗"


def heavy_nick(chat_no: int) -> str:
    return f"重点买家{chat_no:02d}"


def _dt(d: datetime, sqlite: bool):
    return d.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else d


class _Writer:
    """Rows into one table: column defaults from the SQLModel table, values given by name."""

    def __init__(self, conn, table: Table, sqlite: bool, chunk: int = 20_000):
        self.conn, self.table, self.sqlite, self.chunk = conn, table, sqlite, chunk
        self.cols = [c.name for c in table.columns]
        self.defaults = []
        for c in table.columns:
            d = c.default.arg if c.default is not None and c.default.is_scalar else None
            if isinstance(d, Decimal):
                d = int(d * 100)
            self.defaults.append(d)
        self.rows: list[tuple] = []
        self._last_id = 0
        self.parents: list[_Writer] = []  # flushed first: their rows are what these rows refer to
        marks = ",".join("?" if sqlite else "%s" for _ in self.cols)
        self.sql = f"INSERT INTO {table.name} ({','.join(self.cols)}) VALUES ({marks})"

    def add(self, **values) -> None:
        if "id" in self.cols and "id" not in values:  # COPY writes no defaults: the key is ours
            self._last_id += 1
            values["id"] = self._last_id
        row = list(self.defaults)
        for k, v in values.items():
            if isinstance(v, datetime):
                v = _dt(v, self.sqlite)
            row[self.cols.index(k)] = v
        self.rows.append(tuple(row))
        if len(self.rows) >= self.chunk:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        for parent in self.parents:  # PostgreSQL checks foreign keys row by row, even in COPY
            parent.flush()
        if self.sqlite:
            self.conn.executemany(self.sql, self.rows)
        else:
            with self.conn.cursor() as cur, cur.copy(f"COPY {self.table.name} ({','.join(self.cols)}) FROM STDIN") as cp:
                for r in self.rows:
                    cp.write_row(r)
        self.rows.clear()


def _fill(conn, size: Size, sqlite: bool, progress=None) -> None:
    from cs_console.store.tables import (
        Agent,
        AgentProfile,
        Buyer,
        Chat,
        Message,
        Order,
        OrderItem,
        ResponseRecord,
    )

    rng = random.Random(13)
    t = {m: _Writer(conn, m.__table__, sqlite) for m in
         (Agent, AgentProfile, Buyer, Chat, Message, ResponseRecord, Order, OrderItem)}
    t[Message].parents = t[ResponseRecord].parents = [t[Chat]]
    t[OrderItem].parents = [t[Order]]
    year = timedelta(days=365)
    t[Agent].add(id=1, name=AGENT, role="agent", status="offline", created_at=END - year)
    t[Agent].add(id=2, name="bench-sup", role="supervisor", status="offline", created_at=END - year)
    for i in range(OTHER_AGENTS):
        t[Agent].add(id=3 + i, name=f"客服{i:02d}", role="agent", status="offline", created_at=END - year)
    t[AgentProfile].add(agent_id=1, capacity=CAPACITY)
    n_open = size.open_chats
    n_closed = n_open if n_open > HEAVY else 0
    buyers = max(n_open, 1)
    for b in range(1, buyers + 1):
        nick = heavy_nick(b) if b <= HEAVY else f"买家{b:06d}"
        t[Buyer].add(id=b, nick=nick, created_at=END - year)
    t[Agent].flush()
    t[AgentProfile].flush()
    t[Buyer].flush()
    light_msgs = max(0, size.messages - min(n_open, HEAVY) * HEAVY_MESSAGES)
    light_chats = max(1, n_open - HEAVY + n_closed)
    per_light = max(1, light_msgs // light_chats) if n_open > HEAVY else 0
    msg_id = 0
    chat_id = 0
    task = progress.add_task(f"generate store {size.name}", total=n_open + n_closed) if progress else None
    # closed history first (ids older than the open chats), spread over the year
    for c in range(n_closed):
        chat_id += 1
        opened = END - year + timedelta(seconds=rng.randrange(int(year.total_seconds())))
        agent = 3 + rng.randrange(OTHER_AGENTS)
        fr = float(rng.choice([8, 15, 25, 40, 70, 250]))
        t[Chat].add(id=chat_id, buyer_id=1 + rng.randrange(buyers), agent_id=agent, status="closed",
                    opened_at=opened, closed_at=opened + timedelta(minutes=10), closed_by=agent,
                    first_buyer_at=opened, first_response_seconds=fr, last_message_at=opened + timedelta(minutes=5),
                    last_preview="好的，谢谢", message_count=per_light)
        t[ResponseRecord].add(chat_id=chat_id, agent_id=agent, buyer_at=opened,
                              replied_at=opened + timedelta(seconds=fr), seconds=fr, first=True)
        for m in range(per_light):
            msg_id += 1
            t[Message].add(id=msg_id, chat_id=chat_id, sender="buyer" if m % 2 == 0 else "agent",
                           agent_id=None if m % 2 == 0 else agent, text=f"历史消息{m} 亲在吗",
                           created_at=opened + timedelta(seconds=10 * m))
        if task is not None and c % 5000 == 0:
            progress.update(task, completed=c)
    for c in range(1, n_open + 1):
        chat_id += 1
        if c <= HEAVY:
            since = END - timedelta(minutes=30) + timedelta(seconds=c)
            t[Chat].add(id=chat_id, buyer_id=c, agent_id=1, status="waiting", opened_at=since - timedelta(hours=1),
                        first_buyer_at=since - timedelta(hours=1), waiting_since=since, last_message_at=since,
                        last_preview=heavy_last_text(c), message_count=HEAVY_MESSAGES, unread=1)
            for m in range(HEAVY_MESSAGES):
                msg_id += 1
                last = m == HEAVY_MESSAGES - 1
                t[Message].add(id=msg_id, chat_id=chat_id, sender="buyer" if m % 2 == 0 or last else "agent",
                               agent_id=None if m % 2 == 0 or last else 1,
                               text=heavy_last_text(c) if last else f"第{m}条 #{c:02d} 亲，这款有80码吗？",
                               created_at=since - timedelta(seconds=HEAVY_MESSAGES - m))
        else:
            at = END - timedelta(seconds=rng.randrange(7 * 86400))
            queued = rng.random() < 0.01
            t[Chat].add(id=chat_id, buyer_id=c, agent_id=None, status="waiting" if queued else "serving",
                        opened_at=at, first_buyer_at=at, waiting_since=at if queued else None, last_message_at=at,
                        last_preview="在吗", message_count=per_light, unread=1 if queued else 0)
            for m in range(per_light):
                msg_id += 1
                t[Message].add(id=msg_id, chat_id=chat_id, sender="buyer", text=f"在吗{m}",
                               created_at=at - timedelta(seconds=per_light - m))
        if task is not None and c % 5000 == 0:
            progress.update(task, completed=n_closed + c)
    for w in (t[Chat], t[ResponseRecord], t[Message]):
        w.flush()
    for o in range(1, size.orders + 1):
        placed = END - year + timedelta(seconds=rng.randrange(int(year.total_seconds())))
        price = rng.randrange(1_000, 30_000)
        t[Order].add(id=o, order_no=f"{3_000_000_000_000_000 + o}", buyer_id=1 + rng.randrange(buyers),
                     placed_at=placed, paid_at=placed + timedelta(minutes=3), state="SUCCESS", shipped_at=placed + timedelta(days=1),
                     receiver_name="张三", phone="13800000000", province="浙江省", city="杭州市",
                     address_detail="文一西路1号", items_total=price, postage=0, amount=price,
                     courier="中通", tracking_no=f"ZT{o:012d}", discount=0)
        t[OrderItem].add(order_id=o, line_no=1, title="宝宝连体衣", unit_price=price, quantity=1)
    t[Order].flush()
    t[OrderItem].flush()
    if task is not None:
        progress.update(task, completed=n_open + n_closed)


def sqlite_store(size: Size, progress=None) -> Path:
    """The cached SQLite store for ``size`` (generated on first use)."""
    from cs_console.store.engine import open_store, schema_fingerprint

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"store-{size.name}-v{GENERATOR_VERSION}-{schema_fingerprint()}.db"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    open_store(str(tmp)).dispose()
    conn = sqlite3.connect(tmp, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    _fill(conn, size, True, progress)
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("ANALYZE")
    conn.close()
    tmp.rename(path)
    return path


def working_copy(size: Size, folder: Path, progress=None) -> str:
    """A fresh copy of the cached store (a TUI run writes heartbeats, drafts, marks)."""
    import shutil

    src = sqlite_store(size, progress)
    dst = folder / f"{size.name}.db"
    for p in (dst, Path(f"{dst}-wal"), Path(f"{dst}-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    return str(dst)


def postgres_store(size: Size, url: str, progress=None) -> str:
    """Generate ``size`` into the (empty) PostgreSQL database at ``url``; returns the URL."""
    import psycopg

    from cs_console.store.engine import open_store

    open_store(url).dispose()
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        _fill(conn, size, False, progress)
        for seq_table in ("agents", "buyers", "chats", "messages", "orders", "order_items", "response_records"):
            conn.execute(f"SELECT setval(pg_get_serial_sequence('{seq_table}', 'id'), "
                         f"COALESCE((SELECT max(id) FROM {seq_table}), 1))")
        conn.commit()
        conn.autocommit = True
        conn.execute("ANALYZE")
    return url


BENCH_PASSWORD = "bench-pass-123"  # typed key by key into the sign-in screen: ASCII


def give_passwords(url: str) -> str:
    """Give the bench's supervisor and agent their passwords, as a shop does (the first
    supervisor, who then sets the agent's; on PostgreSQL after the owner's ``db grant``, so each
    is a server login), and return what the agent's desk is started with: the SQLite file, or the
    URL an agent's PC is given (the store and the agent's login name, no password: the desk asks)."""
    from cs_console.services.desk import make_desk

    postgres = url.startswith("postgresql")
    if postgres:
        from typer.testing import CliRunner

        from cs_console.cli import app as cli_app

        granted = CliRunner().invoke(cli_app, ["db", "grant", "--db", url])
        if granted.exit_code != 0:
            raise RuntimeError(granted.output)
    owner = make_desk(url)
    try:
        owner.identity.set_password(None, "bench-sup", BENCH_PASSWORD)
    finally:
        owner.close()
    sup = make_desk(url)
    try:
        me = sup.identity.authenticate(sup.identity.sign_in("bench-sup", BENCH_PASSWORD).token)
        sup.identity.set_password(me, AGENT, BENCH_PASSWORD)
    finally:
        sup.close()
    if not postgres:
        return url
    from sqlalchemy.engine import make_url

    from cs_console.store import pg_roles
    from cs_console.store.engine import normalize_url

    full = normalize_url(url)
    return make_url(full).set(username=pg_roles.agent_role(pg_roles.role_base(full), AGENT)) \
        .render_as_string(hide_password=False)
