"""``cs-console postage quote …``: the shipping calculator (计算器) without a screen or a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, JsonOpt, emit, fail
from cs_console.domain.text import cell_width

app = typer.Typer(help="运费：按本店快递规则计算多件商品合计。",
                  no_args_is_help=True)


def _load_table(rates: Path | None):
    """The rates table (--rates, else the shop's), as its last full load gave it while the file
    is unchanged (``config/validated.py``); a bad file exits 2 with its FILE:LINE problems."""
    from cs_console.cli.common import config_error, read_policy
    from cs_console.config.postage import load_rates, rates_path

    try:
        return load_rates(rates or rates_path(read_policy()), remembered=True)
    except config_error() as exc:
        fail(str(exc), 2)


def _load_freight(freight: Path | None, table, rates: Path | None):
    """The freight templates next to the rates table (or --freight); None when there is none."""
    from cs_console.cli.common import config_error, read_policy
    from cs_console.config.freight import load_freight
    from cs_console.config.postage import rates_path

    if freight is None:
        policy = read_policy()
        freight = (rates.parent if rates else rates_path(policy).parent) / policy.postage.freight_file
        if not freight.exists():
            return None
    try:
        return load_freight(freight, set(table.couriers), remembered=True)
    except config_error() as exc:
        fail(str(exc), 2)


def _goods_items(refs: list[str], db: str | None):
    """``--goods LTY-SB01-BL90x2[:free]`` → item lines with the goods' price, weight, template."""
    import re
    from contextlib import nullcontext

    from cs_console.cli.common import open_desk, quick_store
    from cs_console.domain.postage import goods_item_line, parse_quantity
    from cs_console.store.goods_rows import GoodsNotFound, find, sqlite_rows
    from cs_console.store.quick_read import snapshot

    if not refs:  # typed items only: no store (nor the user's settings naming it) is read
        return []
    conn = quick_store(db)  # a current SQLite store: the goods through sqlite3 alone
    item_for_goods = open_desk(db).postage.item_for_goods if conn is None else (
        lambda ref, qty, free: goods_item_line(find(sqlite_rows(conn), ref), ref, qty, free))
    out = []
    with nullcontext() if conn is None else snapshot(conn):
        for ref in refs:
            body, _, flag = ref.partition(":")
            m = re.fullmatch(r"(.+?)(?:[x×X*](\d+))?", body.strip())
            try:
                qty = parse_quantity(m.group(2)) if m.group(2) else 1
                out.append(item_for_goods(m.group(1), qty, flag.strip().lower() in ("free", "包邮")))
            except GoodsNotFound as exc:
                fail(f"error: {exc}")
    return out


def _pad(text: str, cells: int) -> str:
    return text + " " * max(1, cells - cell_width(text))


@app.command("quote")
def quote_(
    courier: Annotated[str, typer.Option("--courier", help="快递编码（sto、yunda、zto、yto、ems、sf）或名称（韵达…）。")],
    item: Annotated[list[str] | None, typer.Option("--item", help="商品：单价x数量[ 重量kg][:free]，如 59x2:free 或 '59x2 0.3kg'（可重复）。")] = None,
    goods: Annotated[list[str] | None, typer.Option("--goods", help="按商家编码/宝贝ID 指定商品，编码x数量[:free]：单价、重量和运费模板取自商品库（可重复）。")] = None,
    province: Annotated[str, typer.Option("--province", help="收货省份（广东 或 广东省）。")] = "",
    city: Annotated[str, typer.Option("--city", help="收货城市（沈阳自提时填 沈阳）。")] = "",
    pickup: Annotated[bool, typer.Option("--pickup", help="买家自提（沈阳自提）。")] = False,
    actual_fee: Annotated[str | None, typer.Option("--actual-fee", help="快递的实际费用（运费表里没有时填写，或用来覆盖表中的值）。")] = None,
    addresses: Annotated[int, typer.Option("--addresses", help="收货地址的个数（每个地址一个包裹）。")] = 1,
    rates: Annotated[Path | None, typer.Option("--rates", help="另一份运费表（格式同 data/postage.yaml）。")] = None,
    freight: Annotated[Path | None, typer.Option("--freight", help="运费模板和快递价目表（默认 data/freight.yaml）。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """计算商品加运费，逐行列出明细；输入有误时以非零退出码结束，不报价。"""
    from cs_console.domain.money import MoneyError, format_money, parse_money
    from cs_console.domain.postage import PostageError, QuoteRequest, parse_item, quote, summary

    table = _load_table(rates)
    setup = _load_freight(freight, table, rates)
    if not item and not goods:
        fail("error: 请至少给一件商品：--item 59x2 或 --goods 商家编码x2")
    try:
        fee = None if actual_fee is None else parse_money(actual_fee)
        lines = tuple(parse_item(text) for text in item or ()) + tuple(_goods_items(goods or [], db))
        result = quote(table, QuoteRequest(lines, courier, province, city, pickup, fee, addresses), setup)
    except MoneyError as exc:
        fail(f"error: 实际运费无效：{exc}")
    except PostageError as exc:
        fail(f"error: {exc}")
    from cs_console.domain.freight import FACT_RULES

    # The label says in Chinese what each line is; the rule's id stays in the JSON output only.
    rows = [(ln.label, ln.amount, ln.rule in FACT_RULES and not ln.amount) for ln in result.lines]
    rows += [("商品合计", result.items_total, False), ("运费", result.postage, False), ("共计", result.total, False)]
    human = [f"{_pad(label, 34)}{'' if blank else format_money(amount):>12}".rstrip() for label, amount, blank in rows]
    human += [f"提示：{note}" for note in result.notes]
    human.append(summary(result))
    data = result.as_json() | {"summary": summary(result)}
    emit(data, as_json, "\n".join(human))


@app.command("import-card")
def import_card(
    file: Annotated[Path, typer.Argument(help="快递价目表 CSV：区域,首重,续重[,首重重量][,续重单位]。")],
    courier: Annotated[str, typer.Option("--courier", help="快递编码或名称（韵达、sf…）。")],
    freight: Annotated[Path | None, typer.Option("--freight", help="登记价目表的运费文件（默认 data/freight.yaml）。")] = None,
    as_json: JsonOpt = False,
) -> None:
    """检查快递价目表，并把它作为该快递实际费用的来源（复制到运费文件旁，登记在 rate_cards 下）；
    有一行出错就以非零退出码结束，不做任何改动。"""
    from cs_console.config import ConfigError
    from cs_console.config.freight import load_rate_card
    from cs_console.config.policy import load_policy
    from cs_console.config.postage import rates_path
    from cs_console.domain.postage_rates import PostageError
    from cs_console.services.rate_cards import register_card

    table = _load_table(None)
    try:
        code = table.courier_code(courier)
    except PostageError as exc:
        fail(f"error: {exc}")
    try:
        card = load_rate_card(file, code)
    except ConfigError as exc:
        fail(str(exc))
    if freight is None:
        policy = load_policy()
        freight = rates_path(policy).parent / policy.postage.freight_file
    target = register_card(freight, code, file)
    data = {"courier": code, "file": str(target), "zones": [
        {"zone": z.name, "provinces": list(z.provinces), "first_kg": str(z.first_kg), "first_fee": f"{z.first_fee:.2f}",
         "add_kg": str(z.add_kg), "add_fee": f"{z.add_fee:.2f}"} for z in card.zones]}
    emit(data, as_json, f"{table.courier_name(code)}价目表：{len(card.zones)} 个区域 → {target}")
