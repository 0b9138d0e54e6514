"""Read a YAML file into a pydantic model; every problem is reported as ``FILE:LINE: reason``.

ruamel.yaml keeps the line of every mapping key and sequence item, so a validation error's
``loc`` path is mapped back to the line the user has to fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from cs_console.domain.messages import UserError, os_reason, render

M = TypeVar("M", bound=BaseModel)


class ConfigError(ValueError):
    """One or more problems in a config file, each ``FILE:LINE: reason``."""

    def __init__(self, problems: Sequence[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def load_yaml(path: Path) -> Any:
    """Parse YAML keeping line information; syntax errors become :class:`ConfigError`."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError([f"{path}:0: {render('config.cannot_read', reason=os_reason(exc))}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}:0: {render('config.not_utf8')}"]) from exc
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        # ruamel's own wording is English: the line and column say where, the catalogue what
        code = "config.yaml_duplicate" if "duplicate" in str(exc).lower() else "config.yaml_syntax"
        reason = render(code, column=(mark.column + 1) if mark else 1)
        raise ConfigError([f"{path}:{line}: {reason}"]) from exc
    except Exception as exc:  # ruamel raises DuplicateKeyError etc. outside MarkedYAMLError
        raise ConfigError([f"{path}:0: {render('config.yaml_other')}"]) from exc


def line_of(node: Any, loc: Sequence[str | int]) -> int:
    """Best line (1-based) for a pydantic ``loc`` inside a ruamel document."""
    line = 1
    cur = node
    for key in loc:
        if isinstance(cur, CommentedMap):
            if key in cur:
                try:
                    line = cur.lc.key(key)[0] + 1
                except (KeyError, TypeError):
                    pass
                cur = cur[key]
                continue
            if cur.lc.line is not None:
                line = cur.lc.line + 1
            break
        if isinstance(cur, CommentedSeq) and isinstance(key, int) and 0 <= key < len(cur):
            try:
                line = cur.lc.item(key)[0] + 1
            except (KeyError, TypeError):
                pass
            cur = cur[key]
            continue
        break
    return line


# pydantic's error types in Chinese (the file's author reads them); others keep pydantic's text
_PYDANTIC_ZH = {
    "extra_forbidden": "未知的键", "missing": "缺少这一项", "int_parsing": "应为整数",
    "int_type": "应为整数", "int_from_float": "应为整数", "float_parsing": "应为数字",
    "float_type": "应为数字", "string_type": "应为文本", "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false", "list_type": "应为列表", "tuple_type": "应为列表",
    "dict_type": "应为键值表", "model_type": "应为键值表", "model_attributes_type": "应为键值表",
    "enum": "应为以下之一：{expected}", "literal_error": "应为以下之一：{expected}",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "应大于 {gt}", "less_than_equal": "不能大于 {le}",
    "less_than": "应小于 {lt}", "string_too_short": "至少 {min_length} 个字", "string_too_long": "最多 {max_length} 个字",
    "time_parsing": "应为时间，如 08:30", "time_type": "应为时间，如 08:30",
    "date_parsing": "应为日期，如 2026-11-23", "date_from_datetime_parsing": "应为日期，如 2026-11-23",
    "decimal_parsing": "应为金额", "too_long": "项目过多", "too_short": "项目过少",
    "int_parsing_size": "数值太大", "none_required": "应为空",
}


def _message_zh(err: dict) -> str:
    template = _PYDANTIC_ZH.get(err["type"])
    if template is None:
        cause = (err.get("ctx") or {}).get("error")
        if isinstance(cause, UserError):  # our validators raise catalogue refusals
            return cause.message
        text = err["msg"].removeprefix("Value error, ")
        # a validator's own Chinese sentence stays; pydantic's own wording is English
        return text if any("\u4e00" <= ch <= "\u9fff" for ch in text) else render("config.invalid")
    try:
        return template.format(**{k: v for k, v in (err.get("ctx") or {}).items()})
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip("：: ") or err["msg"]


def validation_problems(path: Path, doc: Any, exc: ValidationError) -> list[str]:
    """Turn a pydantic error into ``FILE:LINE: field: reason`` lines."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = ".".join(str(p) for p in loc) or "(top)"
        msg = _message_zh(err)
        out.append(f"{path}:{line_of(doc, loc)}: {where}: {msg}")
    return out


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` and validate it as ``model``; an empty file gives the model's defaults."""
    doc = load_yaml(path)
    try:
        return model.model_validate(doc or {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(path, doc, exc)) from exc
