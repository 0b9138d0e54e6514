"""Loading a phrase file (``quick_replies.yaml`` or an agent's own): every problem as ``FILE:LINE: reason``."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from cs_console.config import validated
from cs_console.domain.replies.model import Phrase

# the YAML machinery (config/yamlfile.py) is imported only when the file is read in full

_BRACE_VALUE = re.compile(r"^\s*(-\s*)?\w+\s*:\s*\{")
_LINE = re.compile(r":(\d+): ")
HINT = "（以 {占位符} 开头的值要加引号：text: \"{buyer}…\"）"
# what validates a phrase file: a change to any of these forgets the phrases remembered
_VALIDATING_CODE = ("config/replies.py", "config/yamlfile.py", "config/validated.py", "domain/replies/model.py",
                    "domain/placeholders.py")


def load_phrases(path: Path) -> list[Phrase]:
    """The phrases of ``path``; raises :class:`ConfigError` listing every problem found.

    Checked: YAML syntax, unknown keys, empty text/title/group, codes (≥ 2 chars, unique,
    case-insensitive), unknown ``{placeholders}``. The phrases of the last good load of the
    very same file (``config/validated.py``) come back without parsing it again.
    """
    name = f"phrases-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}.json"
    key = validated.fingerprint(path, _VALIDATING_CODE)
    kept = validated.recall(name, key)
    if isinstance(kept, list):
        try:
            return [Phrase.model_construct(**{**p, "tags": tuple(p["tags"])}) for p in kept]
        except (KeyError, TypeError):
            pass
    phrases = _load(path)
    validated.keep(name, key, [p.model_dump(mode="json") for p in phrases])
    return phrases


def _load(path: Path) -> list[Phrase]:
    from pydantic import ValidationError

    from cs_console.config.yamlfile import ConfigError, load_yaml, validation_problems
    from cs_console.domain.replies.model import PhraseFile

    try:
        doc = load_yaml(path)
    except ConfigError as exc:
        raise ConfigError(_with_hints(path, exc.problems)) from exc
    problems = duplicate_codes(path, doc)
    try:
        parsed = PhraseFile.model_validate(doc or {})
    except ValidationError as exc:
        problems += validation_problems(path, doc, exc)
    if problems:
        raise ConfigError(_with_hints(path, sorted(set(problems), key=_line_key)))
    return parsed.phrases


def duplicate_codes(path: Path, doc: Any) -> list[str]:
    """``FILE:LINE`` of every code already used earlier in the file (even if other entries are bad)."""
    from cs_console.config.yamlfile import line_of

    try:
        items = list(doc.get("phrases") or [])
    except (AttributeError, TypeError):
        return []
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        code = item.get("code") if hasattr(item, "get") else None
        if not isinstance(code, str) or not code.strip():
            continue
        key = code.strip().lower()
        if key in seen:
            out.append(f"{path}:{line_of(doc, ['phrases', i, 'code'])}: phrases.{i}.code: 编码重复「{key}」"
                       f"（第 {line_of(doc, ['phrases', seen[key], 'code'])} 行已用过）")
        else:
            seen[key] = i
    return out


def _with_hints(path: Path, problems: list[str]) -> list[str]:
    """YAML reads ``text: {buyer}…`` as a mapping: say so on the lines where that happened."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return problems
    out = []
    for p in problems:
        n = _line_key(p)[0]
        suspects = [lines[k] for k in (n - 2, n - 1) if 0 <= k < len(lines)]
        out.append(p + HINT if any(_BRACE_VALUE.match(s) for s in suspects) else p)
    return out


def _line_key(problem: str) -> tuple[int, str]:
    m = _LINE.search(problem)
    return (int(m.group(1)) if m else 0), problem
