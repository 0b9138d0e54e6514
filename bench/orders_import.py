"""Order import throughput: a generated 100,000-order GBK export through ``desk.orders.import_files``
(decode, parse, batched writes, one transaction), against a raw ``sqlite3`` executemany of the
same rows into the same table in the same run. Goal: ≥ 20,000 rows/s.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from pathlib import Path

from bench.common import Figure

ORDERS = 100_000
GOAL = 20_000
HEAD = ["订单编号", "买家会员名", "买家应付货款", "买家应付邮费", "总金额", "订单状态", "买家留言", "收货人姓名",
        "收货地址", "联系手机", "订单创建时间", "订单付款时间", "宝贝标题", "物流单号", "物流公司", "订单备注"]
STATES = ["等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功", "交易关闭"]


def generate(path: Path, n: int = ORDERS) -> None:
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(HEAD)
    for i in range(n):
        goods = 59 + i % 200
        post = (i % 3) * 5
        day, sec = 1 + i % 28, i % 86400
        when = f"2026-10-{day:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
        w.writerow([f'="{3800000000000000 + i}"', f"买家{i % 20000}", f"{goods}.00", f"{post}.00", f"{goods + post}.00",
                    STATES[i % 5], "", f"王{i % 997}", f"浙江省 杭州市 西湖区 文三路{i % 5000}号 (310000)", f"138{i:08d}", when,
                    when if i % 5 else "", "婴儿连体衣", "", "", ""])
    path.write_bytes(buf.getvalue().encode("gbk"))


def raw_baseline(db: Path, n: int = ORDERS) -> float:
    """Seconds for a plain sqlite3 executemany of n pre-converted rows into the orders table."""
    from cs_console.store.engine import open_store

    open_store(str(db)).dispose()  # same schema
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("INSERT INTO buyers (nick, tags, created_at) VALUES ('b', '', '2026-11-23 00:00:00')")
    rows = [(str(3800000000000000 + i), 1, "2026-10-01 00:00:00.000000", "WAIT_BUYER_PAY", 5900, 500, 6400)
            for i in range(n)]
    t0 = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO orders (order_no, buyer_id, placed_at, state, items_total, postage, amount, receiver_name, phone,"
            " province, city, district, address_detail, courier, tracking_no, flag, remark, buyer_message, close_reason)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, '', '', '', '', '', '', '', '', 'grey', '', '', '')", rows)
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds


def run(progress) -> list[Figure]:
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    with tempfile.TemporaryDirectory(prefix="cs-bench-import-") as tmp:
        folder = Path(tmp)
        export = folder / "orders.csv"
        generate(export)
        desk = make_desk(str(folder / "import.db"), policy=load_policy())
        task = progress.add_task("import orders", total=ORDERS)
        t0, c0 = time.perf_counter(), time.process_time()
        summary = desk.orders.import_files(export, progress=lambda done, total: progress.update(task, completed=done))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        progress.remove_task(task)
        t0 = time.perf_counter()
        again = desk.orders.import_files(export)
        reimport = time.perf_counter() - t0
        desk.close()
        assert summary.imported == ORDERS and not summary.rejected and again.updated == ORDERS
        raw = raw_baseline(folder / "raw.db")
    rate = ORDERS / seconds
    return [
        Figure("orders_import", "import 100k-order GBK export", round(rate), "rows/s", f"≥ {GOAL}", rate >= GOAL),
        Figure("orders_import", "import, per CPU second (less sensitive to a busy machine)", round(ORDERS / cpu), "rows/s"),
        Figure("orders_import", "re-import (all updates)", round(ORDERS / reimport), "rows/s"),
        Figure("orders_import", "raw sqlite3 executemany (insert only)", round(ORDERS / raw), "rows/s"),
        Figure("orders_import", "import / raw insert", round(seconds / raw, 1), "×"),
    ]
