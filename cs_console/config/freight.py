"""Load the freight templates and the courier rate cards they name (``data/freight.yaml``)."""

from __future__ import annotations

from pathlib import Path

from cs_console.config.yamlfile import ConfigError, line_of, load_yaml, load_yaml_model
from cs_console.domain.freight import FreightFile, FreightSetup
from cs_console.domain.messages import os_reason, render
from cs_console.domain.rate_card import RateCard, RateCardError, parse_rate_card


def read_text(path: Path) -> str:
    """A CSV as text: UTF-8 (BOM optional) or GBK."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def load_rate_card(path: Path, courier: str) -> RateCard:
    """One courier's rate card CSV; problems raise ConfigError with FILE:LINE lines."""
    try:
        text = read_text(path)
    except OSError as exc:
        raise ConfigError([f"{path}:0: {render('config.cannot_read', reason=os_reason(exc))}"]) from exc
    try:
        return parse_rate_card(text, str(path), courier)
    except RateCardError as exc:
        raise ConfigError(exc.problems) from exc


def load_freight(path: Path, couriers: set[str] | None = None) -> FreightSetup:
    """Templates + rate cards; a card's courier must be one of ``couriers`` (the rates table's)."""
    model = load_yaml_model(path, FreightFile)
    cards: dict[str, RateCard] = {}
    problems: list[str] = []
    doc = load_yaml(path)
    for code, file in model.rate_cards.items():
        if couriers is not None and code not in couriers:
            reason = render("freight.unknown_card_courier", code=code, choices="、".join(sorted(couriers)))
            problems.append(f"{path}:{line_of(doc, ['rate_cards', code])}: {reason}")
            continue
        card_path = Path(file) if Path(file).is_absolute() else path.parent / file
        try:
            cards[code] = load_rate_card(card_path, code)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return FreightSetup(model, cards)
