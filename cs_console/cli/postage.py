"""``cs-console postage quote …``: the shipping calculator (计算器) without a screen or a store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import JsonOpt, emit, fail
from cs_console.domain.text import cell_width

app = typer.Typer(help="Postage (运费): quote multi-item totals with the shop's courier rules.",
                  no_args_is_help=True)


def _load_table(rates: Path | None):
    from cs_console.config import ConfigError
    from cs_console.config.policy import load_policy
    from cs_console.config.postage import load_rates, rates_path

    try:
        return load_rates(rates or rates_path(load_policy()))
    except ConfigError as exc:
        fail(str(exc), 2)


def _pad(text: str, cells: int) -> str:
    return text + " " * max(1, cells - cell_width(text))


@app.command("quote")
def quote_(
    courier: Annotated[str, typer.Option("--courier", help="Courier code (sto yunda zto yto ems sf) or name (韵达…).")],
    item: Annotated[list[str], typer.Option("--item", help="PRICExQTY[:free], e.g. 59x2:free (repeat).")],
    province: Annotated[str, typer.Option("--province", help="Destination province (广东 or 广东省).")] = "",
    city: Annotated[str, typer.Option("--city", help="Destination city (沈阳 for self-pickup).")] = "",
    pickup: Annotated[bool, typer.Option("--pickup", help="Buyer picks up (沈阳自提).")] = False,
    actual_fee: Annotated[str | None, typer.Option("--actual-fee", help="The courier's actual fee, when the table has none (or to override it).")] = None,
    addresses: Annotated[int, typer.Option("--addresses", help="Number of delivery addresses (one parcel each).")] = 1,
    rates: Annotated[Path | None, typer.Option("--rates", help="Another rates table of data/postage.yaml's format.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Quote items + postage with a line-by-line breakdown; bad input exits non-zero, no quote."""
    from cs_console.domain.money import MoneyError, format_money, parse_money
    from cs_console.domain.postage import PostageError, QuoteRequest, parse_item, quote, summary

    table = _load_table(rates)
    try:
        fee = None if actual_fee is None else parse_money(actual_fee)
        lines = tuple(parse_item(text) for text in item)
        result = quote(table, QuoteRequest(lines, courier, province, city, pickup, fee, addresses))
    except MoneyError as exc:
        fail(f"error: 实际运费无效：{exc}")
    except PostageError as exc:
        fail(f"error: {exc}")
    rows = [(ln.label, ln.amount, f"[{ln.rule}]") for ln in result.lines]
    rows += [("商品合计", result.items_total, ""), ("运费", result.postage, ""), ("共计", result.total, "")]
    human = [f"{_pad(label, 34)}{format_money(amount):>12}  {rule}".rstrip() for label, amount, rule in rows]
    human += [f"提示：{note}" for note in result.notes]
    human.append(summary(result))
    data = result.as_json() | {"summary": summary(result)}
    emit(data, as_json, "\n".join(human))
