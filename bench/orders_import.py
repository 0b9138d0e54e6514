"""Order import throughput and memory: generated GBK exports of the 46- and 61-column 订单报表
layouts (every field quoted, ``="…"`` numbers, CRLF) through ``desk.orders.import_files`` —
decode, parse, stage, one final merge — each in a fresh child process so its peak RSS is its
own; an xlsx export of the same rows; and, as anchor in the same run, a bare ``csv.reader`` +
``sqlite3.executemany`` of the same file into the same table.

Goals (issue: instant at a real team's size): ≥ 60,000 rows/s on the 46- and 61-column layouts,
≤ 200 MB peak RSS at 500k rows (memory flat in file size). Rows: ``CS_BENCH_IMPORT_ROWS``
(default 500,000); xlsx rows: ``CS_BENCH_XLSX_ROWS`` (default 20,000). Self-contained:
``python -m bench.orders_import`` prints the figures without the rest of the bench.
"""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from bench.common import Figure
except ImportError:  # pragma: no cover - the shared harness is being rebuilt in parallel
    from dataclasses import dataclass

    @dataclass
    class Figure:  # type: ignore[no-redef]
        bench: str
        name: str
        value: float | int
        unit: str
        goal: str | None = None
        ok: bool | None = None

ROWS = int(os.environ.get("CS_BENCH_IMPORT_ROWS", "500000"))
XLSX_ROWS = int(os.environ.get("CS_BENCH_XLSX_ROWS", "20000"))
GOAL_RATE, GOAL_MB = 60_000, 200
STATES = ["等待买家付款", "买家已付款，等待卖家发货", "卖家已发货，等待买家确认", "交易成功", "交易关闭"]
BASE28 = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
          "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ",
          "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量",
          "店铺Id", "店铺名称", "订单关闭原因"]
ADD16 = ["卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id"]
ADD16B = ["定金排名", "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易"]
L46 = BASE28 + ADD16 + ["是否上传合同照片", "是否上传小票", "是否代付"] + ADD16B + ["退款金额", "预约门店"]
L61 = ([c.strip() for c in BASE28[:3]] + ["支付单号", "支付详情"] + [c.strip() for c in BASE28[3:]] + ADD16
       + ["是否上传合同照片", "是否上传小票", "是否代付"] + ADD16B
       + ["新零售交易类型", "新零售导购门店名称", "新零售导购门店id", "新零售发货门店名称", "新零售发货门店id", "退款金额",
          "预约门店", "确认收货时间", "打款商家金额", "含应开票给个人的个人红包", "是否信用购", "体验期结束时间", "前N有礼",
          "配送类型", "主订单编号"])
assert (len(L46), len(L61)) == (46, 61)
IDS = {"订单编号", "物流单号", "支付单号", "特权订金订单id", "主订单编号"}


def _row(header: list[str], i: int) -> dict[str, str]:
    goods, post = 59 + i % 200, (i % 3) * 5
    day, sec = 1 + i % 28, i % 86400
    when = f"2026-10-{day:02d} {sec // 3600:02d}:{sec // 60 % 60:02d}:{sec % 60:02d}"
    state = STATES[i % 5]
    return {"订单编号": str(3515313147329357000 + i), "买家会员名": f"tb_买家{i % 20000}", "买家支付宝账号": "x***@163.com",
            "买家应付货款": f"{goods}.00", "买家应付邮费": f"{post}.00", "总金额": f"{goods + post}.00",
            "买家实际支付金额": f"{goods + post}.00", "订单状态": state, "收货人姓名": f"王{i % 997}",
            "收货地址": f"浙江省 杭州市 西湖区 文三路{i % 5000}号(310000)", "运送方式": "快递", "联系手机": f"'138{i:08d}",
            "订单创建时间": when, "订单付款时间": when if i % 5 else "", "宝贝标题": "婴儿连体衣,纯棉,哈衣 春秋款",
            "宝贝种类": "1", "物流单号": f"77301{i:07d}" if i % 5 > 1 else "", "物流公司": "中通快递" if i % 5 > 1 else "",
            "宝贝总数量": "1", "店铺Id": "0", "店铺名称": "小棉袄母婴服饰", "买家服务费": "0元",
            "订单关闭原因": "买家不想买了" if state == "交易关闭" else "订单未关闭", "是否手机订单": "手机订单"}


def _cells(header: list[str], i: int) -> list[str]:
    values = _row(header, i)
    return [values.get(h.strip(), "") for h in header]


def generate(path: Path, header: list[str], n: int) -> None:
    """A GBK, CRLF, every-field-quoted export with ="…" numbers (written in chunks)."""
    with path.open("wb") as out:
        out.write((",".join(f'"{h}"' for h in header) + "\r\n").encode("gbk"))
        for start in range(0, n, 10_000):
            buf = io.StringIO()
            for i in range(start, min(n, start + 10_000)):
                buf.write(",".join(f'="{v}"' if h.strip() in IDS else f'"{v}"'
                                   for h, v in zip(header, _cells(header, i), strict=True)) + "\r\n")
            out.write(buf.getvalue().encode("gbk"))


def generate_xlsx(path: Path, header: list[str], n: int) -> None:
    """Like the backend's xlsx: shared strings and a <dimension> element (openpyxl's write-only
    mode writes inline strings and no dimension, which read several times slower)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for i in range(n):
        sheet.append([v.lstrip("'") or "--" for v in _cells(header, i)])
    book.save(path)


def child(export: str, db: str) -> None:
    """Runs in its own process: one import, then its figures as JSON on stdout."""
    from cs_console.config.policy import load_policy
    from cs_console.services.desk import make_desk

    desk = make_desk(db, policy=load_policy())
    t0, c0 = time.perf_counter(), time.process_time()
    summary = desk.orders.import_files(Path(export))
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    desk.close()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(json.dumps({"rows": summary.imported + summary.updated, "seconds": seconds, "cpu": cpu, "rss_mb": rss,
                      "rejected": summary.rejected_count, "locked": summary.locked_seconds,
                      "load": round(os.getloadavg()[0], 2)}))


def _run_child(export: Path, db: str) -> dict:
    """One import in a fresh process (``db``: a SQLite path or a PostgreSQL URL)."""
    out = subprocess.run([sys.executable, "-m", "bench.orders_import", "--child", str(export), str(db)],
                         capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parent.parent)
    return json.loads(out.stdout.strip().splitlines()[-1])


def anchor(export: Path, db: Path) -> float:
    """Seconds for a bare csv.reader over the file + executemany of its order numbers into orders."""
    from cs_console.store.engine import open_store

    open_store(str(db)).dispose()  # same schema
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("INSERT INTO buyers (nick, tags, created_at) VALUES ('b', '', '2026-11-23 00:00:00')")
    has_discount = any(r[1] == "discount" for r in conn.execute("PRAGMA table_info(orders)"))
    extra_col, extra_val = (", discount", ", 0") if has_discount else ("", "")
    t0 = time.perf_counter()
    with export.open(encoding="gb18030", newline="") as f, conn:
        reader = csv.reader(f)
        next(reader)
        conn.executemany(
            "INSERT INTO orders (order_no, buyer_id, placed_at, state, items_total, postage, amount, receiver_name,"
            " phone, province, city, district, address_detail, courier, tracking_no, flag, remark, buyer_message,"
            f" close_reason{extra_col}) VALUES (?, 1, ?, 'PAID', 5900, 500, 6400, ?, '', '', '', '', ?, '', '', 'grey',"
            f" '', '', ''{extra_val})",
            ((r[0][2:-1], r[17], r[12], r[13]) for r in reader))
    seconds = time.perf_counter() - t0
    conn.close()
    return seconds


def _rows(ctx) -> list[tuple[str, int]]:
    """(size label, orders) per chosen size: ``CS_BENCH_IMPORT_ROWS`` overrides; else the sizes'
    order counts (demo 1,000, 10k 50,000, 100k 500,000 — the goal size)."""
    if "CS_BENCH_IMPORT_ROWS" in os.environ or ctx is None:
        return [(f"{ROWS:,}", ROWS)]
    from bench.stores import SIZES

    return [(name, SIZES[name].orders) for name in ctx.sizes if SIZES[name].orders]


def run(ctx=None) -> list[Figure]:
    figures: list[Figure] = []
    backends = getattr(ctx, "backends", None) or ["sqlite"]
    with tempfile.TemporaryDirectory(prefix="cs-bench-import-") as tmp:
        folder = Path(tmp)
        plan = _rows(ctx)
        task = ctx.add_task("import orders", total=len(plan) * (2 * len(backends) + 1)) if ctx else None
        for size, rows in plan:
            for name, header in (("46", L46), ("61", L61)):
                export = folder / f"ExportOrderList{name}.csv"
                generate(export, header, rows)
                sqlite_seconds = 0.0
                for backend in backends:
                    db = str(folder / f"import{name}.db") if backend == "sqlite" else ctx.postgres_url()
                    first = _run_child(export, db)
                    again = _run_child(export, db)  # re-import: every row known, none changed
                    assert first["rows"] == rows and first["rejected"] == 0 and again["rows"] == rows
                    rate = rows / first["seconds"]
                    if backend == "sqlite":
                        sqlite_seconds = first["seconds"]
                    extra = {"load": first["load"], "cpu_s": round(first["cpu"], 2)}

                    def fig(what: str, value, unit: str, goal=None, ok=None, *, size=size, backend=backend,
                            extra=extra, **more) -> Figure:
                        return Figure("orders_import", what, value, unit, goal, ok, size=size, backend=backend,
                                      extra={**extra, **more})

                    figures += [
                        fig(f"import, {name}-column GBK CSV", round(rate), "rows/s", f"≥ {GOAL_RATE:,}",
                            rate >= GOAL_RATE),
                        fig(f"  same, per CPU second of the importer ({name} columns)", round(rows / first["cpu"]),
                            "rows/s"),
                        fig(f"  peak RSS of the importing process ({name} columns)", round(first["rss_mb"]), "MB",
                            f"≤ {GOAL_MB}", first["rss_mb"] <= GOAL_MB),
                        fig(f"  longest write transaction of the merge ({name} columns)", round(first["locked"], 2),
                            "s", "< 5 (busy timeout)", first["locked"] < 5),
                        fig(f"  re-import, all rows known ({name} columns)", round(rows / again["seconds"]), "rows/s",
                            load=again["load"]),
                        fig(f"  re-import, longest write transaction ({name} columns)", round(again["locked"], 2), "s"),
                        fig(f"  file size ({name} columns)", round(export.stat().st_size / 2**20), "MB"),
                    ]
                    if ctx:
                        ctx.advance(task)
                if name == "61":
                    raw = anchor(export, folder / "anchor.db")
                    figures.append(Figure("orders_import", "anchor: csv.reader + sqlite3 executemany (61 columns)",
                                          round(rows / raw), "rows/s", size=size))
                    if sqlite_seconds:
                        figures.append(Figure("orders_import", "  import time / anchor time (SQLite)",
                                              round(sqlite_seconds / raw, 2), "×", size=size))
                export.unlink()
            if ctx:
                ctx.advance(task)
        xlsx_rows = min(XLSX_ROWS, max(r for _, r in plan))
        book = folder / "ExportOrderList61.xlsx"
        generate_xlsx(book, L61, xlsx_rows)
        result = _run_child(book, str(folder / "xlsx.db"))
        assert result["rows"] == xlsx_rows
        figures.append(Figure("orders_import", f"import {xlsx_rows:,} rows, 61-column xlsx",
                              round(xlsx_rows / result["seconds"]), "rows/s"))
        if ctx:
            ctx.remove_task(task)
    return figures


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], sys.argv[3])
    else:
        for f in run():
            print(f"{f.name:<60} {f.value:>10} {f.unit:<7} {f.goal or ''} {'' if f.ok is None else ('ok' if f.ok else 'NO')}")
