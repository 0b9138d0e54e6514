"""Load the freight templates and the courier rate cards they name (``data/freight.yaml``)."""

from __future__ import annotations

from pathlib import Path

from cs_console.domain.freight import FreightFile, FreightSetup
from cs_console.domain.messages import os_reason, render
from cs_console.domain.rate_card import RateCard, RateCardError, parse_rate_card

# what validates freight.yaml: the domain's models and this loader (``config/validated.py``)
FREIGHT_VALIDATING_CODE = ("domain/*.py", "config/yamlfile.py", "config/freight.py")


def _config_error() -> type[Exception]:
    """``ConfigError``: the YAML machinery loads only for a full load or a problem."""
    from cs_console.config.yamlfile import ConfigError

    return ConfigError


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
        raise _config_error()([f"{path}:0: {render('config.cannot_read', reason=os_reason(exc))}"]) from exc
    try:
        return parse_rate_card(text, str(path), courier)
    except RateCardError as exc:
        raise _config_error()(exc.problems) from exc


def load_freight(path: Path, couriers: set[str] | None = None, *, remembered: bool = False) -> FreightSetup:
    """Templates + rate cards; a card's courier must be one of ``couriers`` (the rates table's).
    ``remembered``: the templates as the last full load of this very file gave them
    (``config/validated.py``: no YAML parser while the file is unchanged)."""
    if remembered:
        from cs_console.config.validated import load_model

        model = load_model(path, FreightFile, FREIGHT_VALIDATING_CODE)
    else:
        from cs_console.config.yamlfile import load_yaml_model

        model = load_yaml_model(path, FreightFile)
    cards: dict[str, RateCard] = {}
    problems: list[str] = []
    for code, file in model.rate_cards.items():
        if couriers is not None and code not in couriers:
            reason = render("freight.unknown_card_courier", code=code, choices="、".join(sorted(couriers)))
            from cs_console.config.yamlfile import line_of, load_yaml

            problems.append(f"{path}:{line_of(load_yaml(path), ['rate_cards', code])}: {reason}")
            continue
        card_path = Path(file) if Path(file).is_absolute() else path.parent / file
        try:
            cards[code] = load_rate_card(card_path, code)
        except _config_error() as exc:
            problems.extend(exc.problems)
    if problems:
        raise _config_error()(problems)
    return FreightSetup(model, cards)
