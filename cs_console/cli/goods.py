"""``cs-console goods …``: import the 淘宝助理 catalogue, list, show, stock."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, JsonOpt, emit, err, fail, open_desk, quick_store
from cs_console.domain.text import clean_text

app = typer.Typer(help="商品：导入淘宝助理 CSV、列表、查看、库存。", no_args_is_help=True)
RefArg = Annotated[str, typer.Argument(help="宝贝数字ID 或商家编码（也可以是 SKU 的商家编码）。")]


def _goods_dict(g, *, skus: bool = True) -> dict:
    d = {"title": g.title, "item_id": g.item_id, "merchant_code": g.merchant_code, "price": f"{g.price:.2f}",
         "stock": g.stock, "sku_stock": g.sku_stock, "stock_adds_up": g.stock_adds_up,
         "weight_kg": None if g.weight_kg is None else str(g.weight_kg),
         "volume_m3": None if g.volume_m3 is None else str(g.volume_m3), "freight_template": g.freight_template}
    if skus:
        d["skus"] = [{"colour": s.colour, "size": s.size, "props": {p.name: p.value for p in s.props},
                      "price": f"{s.price:.2f}", "stock": s.stock, "merchant_code": s.merchant_code,
                      "barcode": s.barcode} for s in g.skus]
    return d


def _find(db: str | None, ref: str):
    """The goods ``ref`` names: through ``sqlite3`` alone on a current SQLite store, else the desk."""
    from cs_console.store.goods_rows import GoodsNotFound, find, sqlite_rows
    from cs_console.store.quick_read import snapshot

    conn = quick_store(db)
    try:
        if conn is None:
            return open_desk(db).goods.find(ref)
        with snapshot(conn):
            return find(sqlite_rows(conn), ref)
    except GoodsNotFound as exc:
        fail(f"error: {exc}")


@app.command("import")
def import_(file: Annotated[Path, typer.Argument(help="淘宝助理商品 CSV（57/58/60/63/67 列）。")],
            db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """导入商品及 SKU；要么全部导入要么都不导入；再次导入会更新同一商品。"""
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from cs_console.services.goods import GoodsImportRejected

    desk = open_desk(db)
    with Progress(TextColumn("导入商品"), BarColumn(), TaskProgressColumn(), console=err, transient=True) as bar:
        task = bar.add_task("import", total=None)
        try:
            summary = desk.goods.import_file(file, lambda done, total: bar.update(task, completed=done, total=total))
        except GoodsImportRejected as exc:
            bar.stop()
            for p in exc.problems:
                err.print(clean_text(str(p)), markup=False)
            if as_json:
                emit({"created": 0, "updated": 0, "problems": [{"file": p.file, "line": p.line, "reason": p.reason}
                                                               for p in exc.problems]}, True)
            fail(f"error: {len(exc.problems)} 个问题；没有导入任何商品")
    for m in summary.stock_mismatches:
        err.print(clean_text(f"{file}:{m['line']}: 库存对不上：{m['title']} 宝贝数量 {m['num']} ≠ SKU 合计 {m['sku_total']}"),
                  markup=False)
    emit(summary.as_dict(), as_json,
         f"{summary.layout} · {summary.encoding} · 新增 {summary.created}，更新 {summary.updated}，SKU {summary.skus}，"
         f"库存对不上 {len(summary.stock_mismatches)}")


@app.command("list")
def list_(query: Annotated[str, typer.Argument(help="标题文字、商家编码、拼音或首字母。")] = "",
          limit: Annotated[int, typer.Option("--limit", min=1, max=10000)] = 50,
          db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """商品列表（全部，或与 QUERY 匹配的），含库存。"""
    conn = quick_store(db) if not query.strip() else None
    if conn is not None:  # the whole catalogue's first goods: sqlite3 alone, no search index
        from cs_console.store.goods_rows import all_goods, sqlite_rows
        from cs_console.store.quick_read import snapshot

        with snapshot(conn):
            goods = all_goods(sqlite_rows(conn), limit)
    else:
        goods = open_desk(db).goods.search(query, limit=limit)
    lines = [clean_text(f"{g.merchant_code or '—':<14} {g.item_id or '—':<14} ¥{g.price:>8.2f}  库存 {g.stock:>5}"
                        f"{'' if g.stock_adds_up else f'（SKU 合计 {g.sku_stock}）'}  {g.title}") for g in goods]
    emit([_goods_dict(g, skus=False) for g in goods], as_json, "\n".join(lines) or "没有商品")


@app.command()
def show(ref: RefArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """查看一个商品的全部 SKU：属性、价格、库存、商家编码、条码。"""
    g = _find(db, ref)
    head = [f"{g.title}", f"数字ID {g.item_id or '—'}  商家编码 {g.merchant_code or '—'}  价格 ¥{g.price:.2f}  "
            f"库存 {g.stock}" + ("" if g.stock_adds_up else f"（SKU 合计 {g.sku_stock}，对不上）"),
            f"重量 {g.weight_kg if g.weight_kg is not None else '—'} kg  体积 {g.volume_m3 if g.volume_m3 is not None else '—'} m³  "
            f"运费模板 {g.freight_template or '—'}"]
    rows = [f"  {s.label:<16} ¥{s.price:>8.2f}  库存 {s.stock:>4}  {s.merchant_code or '—':<14} {s.barcode}" for s in g.skus]
    emit(_goods_dict(g), as_json, clean_text("\n".join(head + rows)))


@app.command()
def stock(ref: RefArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """一个商品的颜色 × 尺码库存表（缺 = 无货，紧 = 库存紧张）。"""
    from cs_console.domain.goods.lookup import stock_mark

    g = _find(db, ref)
    colours, sizes = g.colours, g.sizes
    data = {"title": g.title, "colours": colours, "sizes": sizes,
            "grid": {c: {s: (None if (k := g.sku_at(c, s)) is None else k.stock) for s in sizes} for c in colours}}
    from cs_console.domain.text import cell_width

    def pad(text: str, cells: int) -> str:
        return " " * max(0, cells - cell_width(text)) + text

    width = max([4, *(cell_width(s) for s in sizes)]) + 2
    first = max([6, *(cell_width(c) for c in colours)]) + 1
    lines = [clean_text(g.title), " " * first + "".join(pad(s, width) for s in sizes)]
    for c in colours:
        cells = []
        for s in sizes:
            k = g.sku_at(c, s)
            cells.append(pad("—" if k is None else f"{k.stock}{stock_mark(k.stock)}", width))
        lines.append(clean_text(c) + " " * (first - cell_width(c)) + "".join(cells))
    emit(data, as_json, "\n".join(lines))
