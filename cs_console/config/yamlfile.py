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
        raise ConfigError([f"{path}:0: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError([f"{path}:0: not UTF-8 text"]) from exc
    try:
        return yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        reason = exc.problem or exc.context or "YAML syntax error"
        raise ConfigError([f"{path}:{line}: {reason}"]) from exc
    except Exception as exc:  # ruamel raises DuplicateKeyError etc. outside MarkedYAMLError
        raise ConfigError([f"{path}:0: {exc}"]) from exc


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


def validation_problems(path: Path, doc: Any, exc: ValidationError) -> list[str]:
    """Turn a pydantic error into ``FILE:LINE: field: reason`` lines."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        where = ".".join(str(p) for p in loc) or "(top)"
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(f"{path}:{line_of(doc, loc)}: {where}: {msg}")
    return out


def load_yaml_model(path: Path, model: type[M]) -> M:
    """Load ``path`` and validate it as ``model``; an empty file gives the model's defaults."""
    doc = load_yaml(path)
    try:
        return model.model_validate(doc or {})
    except ValidationError as exc:
        raise ConfigError(validation_problems(path, doc, exc)) from exc
