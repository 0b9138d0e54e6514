"""Loading a phrase file (``quick_replies.yaml`` or an agent's own): every problem as ``FILE:LINE: reason``."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from cs_console.config.yamlfile import ConfigError, line_of, load_yaml, validation_problems
from cs_console.domain.replies.model import Phrase, PhraseFile, duplicate_codes


def load_phrases(path: Path) -> list[Phrase]:
    """The phrases of ``path``; raises :class:`ConfigError` listing every problem found.

    Checked: YAML syntax, unknown keys, empty text/title/group, codes (≥ 2 chars, unique),
    unknown ``{placeholders}``.
    """
    doc = load_yaml(path)
    try:
        parsed = PhraseFile.model_validate(doc or {})
    except ValidationError as exc:
        problems = validation_problems(path, doc, exc)
        problems += _duplicates_in_raw(path, doc)
        raise ConfigError(sorted(set(problems), key=_line_key)) from exc
    dups = [f"{path}:{line_of(doc, ['phrases', i, 'code'])}: phrases.{i}.code: duplicate code "
            f"{parsed.phrases[i].code!r} (first used on line {line_of(doc, ['phrases', first, 'code'])})"
            for i, first in duplicate_codes(parsed.phrases)]
    if dups:
        raise ConfigError(dups)
    return parsed.phrases


def _duplicates_in_raw(path: Path, doc) -> list[str]:
    """Duplicate codes are reported even when other entries fail validation."""
    try:
        items = list(doc.get("phrases") or [])
    except AttributeError:
        return []
    seen: dict[str, int] = {}
    out = []
    for i, item in enumerate(items):
        code = item.get("code") if hasattr(item, "get") else None
        if not isinstance(code, str) or not code.strip():
            continue
        key = code.strip().lower()
        if key in seen:
            out.append(f"{path}:{line_of(doc, ['phrases', i, 'code'])}: phrases.{i}.code: duplicate code "
                       f"{key!r} (first used on line {line_of(doc, ['phrases', seen[key], 'code'])})")
        else:
            seen[key] = i
    return out


def _line_key(problem: str) -> tuple[int, str]:
    try:
        return int(problem.split(":")[1]), problem
    except (IndexError, ValueError):
        return 0, problem
