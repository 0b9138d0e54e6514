"""Goods catalogue: a generated 淘宝助理 file (67 columns, UTF-16LE, multi-line descriptions,
3,000 goods × 6 SKUs) through ``desk.goods.import_file`` (decode, parse, batched writes, one
transaction); the re-import (all updates); the 商品 tab's search (index build, then per query).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from bench.common import Figure, percentile, time_calls

GOODS = 3_000


def generate(path: Path, n: int = GOODS) -> None:
    from tests.goods_files import ROMPER, goods_file

    rows = [{**ROMPER, "num_id": str(600000000000 + i), "outer_id": f"G{i:06d}", "title": f"婴儿连体衣 纯棉 款{i}",
             "skuProps": ROMPER["skuProps"].replace("LTY", f"G{i}")} for i in range(n)]
    path.write_bytes(goods_file(rows))


def run(progress) -> list[Figure]:
    from cs_console.services.desk import make_desk

    with tempfile.TemporaryDirectory(prefix="cs-bench-goods-") as tmp:
        folder = Path(tmp)
        export = folder / "goods.csv"
        generate(export)
        size_mb = export.stat().st_size / 1e6
        desk = make_desk(str(folder / "goods.db"))
        task = progress.add_task("import goods", total=GOODS)
        t0, c0 = time.perf_counter(), time.process_time()
        summary = desk.goods.import_file(export, lambda done, total: progress.update(task, completed=done))
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        progress.remove_task(task)
        t0 = time.perf_counter()
        again = desk.goods.import_file(export)
        reimport = time.perf_counter() - t0
        assert summary.created == GOODS and again.updated == GOODS
        t0 = time.perf_counter()
        desk.goods.search("lty")
        first = time.perf_counter() - t0
        queries = ["连体衣", "G001234", "lty", "款2999", "纯棉 蓝色90", "yerlty"]
        ms = [m for q in queries for m in time_calls(lambda q=q: desk.goods.search(q), 20)]
        desk.close()
    return [
        Figure("goods_import", f"import 3k goods / 18k SKUs ({size_mb:.1f} MB UTF-16LE)", round(GOODS / seconds), "goods/s"),
        Figure("goods_import", "import, SKUs per second", round(GOODS * 6 / seconds), "SKUs/s"),
        Figure("goods_import", "import, per CPU second", round(GOODS / cpu), "goods/s"),
        Figure("goods_import", "re-import (all updates)", round(GOODS / reimport), "goods/s"),
        Figure("goods_import", "first search (builds the pinyin index)", round(first * 1000), "ms"),
        Figure("goods_import", "search median", round(percentile(ms, 50), 2), "ms"),
        Figure("goods_import", "search p99", round(percentile(ms, 99), 2), "ms", "≤ 50", percentile(ms, 99) <= 50),
    ]
