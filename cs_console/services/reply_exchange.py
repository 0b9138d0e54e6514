"""Quick phrases in and out: ``replies import`` / ``replies export``.

Import reads a 千牛 CSV, the 快捷编码 variant or Chatwoot JSON (``domain.replies.exchange``),
turns every row into one of our phrases (validated like the YAML file), compares it with the
target file — the team's ``quick_replies.yaml`` or one agent's own file — and writes only new
phrases (round-trip YAML: comments and order kept). The same code with another text is a
conflict, shown side by side and never overwritten unless asked. Any bad row refuses the whole
file (``FILE:LINE: reason``) unless ``skip_bad``. The pinyin search keys of the new phrases are
computed here, so the next start finds them in the cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from cs_console.config import ConfigError
from cs_console.domain.limits import ValueRefused
from cs_console.domain.messages import os_reason
from cs_console.domain.replies.exchange import (
    PhraseFileError,
    chatwoot_json,
    qianniu_csv,
    read_phrases,
)
from cs_console.services.order_files import sniff_encoding

if TYPE_CHECKING:
    from cs_console.domain.replies.model import Phrase
    from cs_console.services.replies import ReplyService

CONFLICT_CHOICES = ("refuse", "keep", "replace")
FORMATS = ("qianniu", "chatwoot", "yaml")


@dataclass(frozen=True, slots=True)
class Conflict:
    line: int
    code: str
    existing: str
    incoming: str


@dataclass(slots=True)
class PhraseImport:
    """What an import found and did (``written`` False on a dry run)."""

    file: str
    target: str
    format: str = ""
    new: list[Phrase] = field(default_factory=list)
    unchanged: int = 0
    replaced: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    renamed: list[tuple[int, str, str]] = field(default_factory=list)  # (line, tool's code, our code)
    problems: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(p.group for p in self.new))

    def as_dict(self) -> dict:
        return {"file": self.file, "target": self.target, "format": self.format, "written": self.written,
                "new": [{"code": p.code, "group": p.group, "text": p.text} for p in self.new],
                "unchanged": self.unchanged, "replaced": self.replaced, "groups": self.groups,
                "conflicts": [{"line": c.line, "code": c.code, "existing": c.existing, "incoming": c.incoming}
                              for c in self.conflicts],
                "renamed": [{"line": n, "from": a, "to": b} for n, a, b in self.renamed],
                "problems": self.problems}


class PhraseImportRefused(ValueError):
    """Nothing was written: bad rows, conflicts, or an unreadable file; ``result`` says which."""

    def __init__(self, result: PhraseImport):
        self.result = result
        super().__init__("\n".join(result.problems) or f"{len(result.conflicts)} conflict(s)")


def _initials(text: str) -> str:
    from cs_console.domain.replies.pinyin import pinyin_keys

    return pinyin_keys(text).initials


def read_text(path: Path) -> str:
    data = path.read_bytes()
    encoding = sniff_encoding(data[:65536])
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise PhraseFileError(data[:exc.start].count(b"\n") + 1, "phrases.not_text") from None


def import_phrases(replies: ReplyService, path: Path, target: Path, *, dry_run: bool = False,
                   skip_bad: bool = False, on_conflict: str = "refuse") -> PhraseImport:
    from cs_console.config.replies import load_phrases
    from cs_console.domain.replies.model import Phrase

    result = PhraseImport(str(path), str(target))
    try:
        read = read_phrases(read_text(path), _initials)
    except OSError as exc:
        result.problems.append(f"{path}:0: 无法读取：{os_reason(exc)}")
        raise PhraseImportRefused(result) from None
    except PhraseFileError as exc:
        result.problems.append(f"{path}:{exc.line}: {exc}")
        raise PhraseImportRefused(result) from None
    result.format = read.format
    problems = [(line, reason) for line, reason in read.problems]
    try:
        existing = {p.code: p for p in load_phrases(target)} if target.exists() else {}
    except ConfigError as exc:
        result.problems.extend(exc.problems)
        raise PhraseImportRefused(result) from None
    for inc in read.phrases:
        try:
            phrase = Phrase(group=inc.group, code=inc.code, title=inc.title, text=inc.text)
        except ValidationError as exc:
            problems.append((inc.line, "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())))
            continue
        if inc.original_code:
            result.renamed.append((inc.line, inc.original_code, phrase.code))
        old = existing.get(phrase.code)
        if old is None:
            result.new.append(phrase)
        elif old.text == phrase.text:
            result.unchanged += 1
        else:
            result.conflicts.append(Conflict(inc.line, phrase.code, old.text, phrase.text))
    result.problems = [f"{path}:{line}: {reason}" for line, reason in sorted(problems)]
    if (result.problems and not skip_bad) or (result.conflicts and on_conflict == "refuse"):
        raise PhraseImportRefused(result)
    if on_conflict == "replace":
        result.replaced = [c.code for c in result.conflicts]
    if dry_run or not (result.new or result.replaced):
        return result
    try:
        from cs_console.config.replies_write import write_phrases

        write_phrases(target, result.new, {c.code: c.incoming for c in result.conflicts} if result.replaced else {})
    except ConfigError as exc:
        result.problems = exc.problems
        raise PhraseImportRefused(result) from None
    result.written = True
    changed = result.new + [p for p in load_phrases(target) if p.code in set(result.replaced)]
    replies.warm_keys(changed)
    return result


def export_phrases(replies: ReplyService, fmt: str, out: Path, source: Path, now_iso: str) -> int:
    """Write the phrases of ``source`` to ``out`` as ``fmt``; returns how many. Raises ValueError."""
    from cs_console.config.replies import load_phrases

    phrases = load_phrases(source)
    if fmt == "qianniu":
        text = qianniu_csv((p.code, p.text, p.group) for p in phrases)
        try:
            data = text.encode("gbk")
        except UnicodeEncodeError as exc:
            bad = text[exc.start]
            who = next((p.code for p in phrases if bad in p.text or bad in p.group), "?")
            raise ValueRefused("phrases.not_gbk", code=who, char=repr(bad)) from None
    elif fmt == "chatwoot":
        data = chatwoot_json(((p.code, p.text) for p in phrases), now_iso).encode("utf-8")
    elif fmt == "yaml":
        from cs_console.config.replies_write import EMPTY, write_phrases

        tmp = out.with_name(f".{out.name}.export")
        tmp.write_text(EMPTY, encoding="utf-8")
        write_phrases(tmp, phrases)
        data = tmp.read_bytes()
        tmp.unlink()
    else:
        raise ValueRefused("phrases.unknown_format", value=fmt, choices="、".join(FORMATS))
    out.write_bytes(data)
    return len(phrases)
