"""Quick phrases in and out of other tools (pure: text in, phrases or reasons out).

- 千牛: CSV (GBK), first line ``快捷短语编码,快捷短语,快捷短语分组``: code, text, group (empty =
  ungrouped). Newlines inside a quoted phrase are real newlines.
- Other seller IMs: ``快捷编码,快捷短语,快捷短语分组``: the phrase's newlines are written ``&#13;``
  and commas ``&#44;``; empty group = 未分组. Shipped templates exist whose last row opens a quote
  and never closes it: that is refused with the line where the quote opened.
- Chatwoot canned responses: JSON ``[{id, account_id, short_code, content, …}]`` (also the
  ``{"payload": […]}`` list form and one ``{"canned_response": {…}}`` body); no groups.

A phrase from outside becomes one of ours: a code that ours cannot use (one character, Chinese,
punctuation) is turned into pinyin initials / letters and the change is reported; an empty code
gets the initials of the text; the title is the start of the text.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from cs_console.domain.limits import ValueRefused
from cs_console.domain.messages import render
from cs_console.domain.replies.model import CODE_RE
from cs_console.domain.text import clean_text, one_line

QIANNU_HEADER = ("快捷短语编码", "快捷短语", "快捷短语分组")
VARIANT_HEADER = ("快捷编码", "快捷短语", "快捷短语分组")
UNGROUPED = "未分组"
CHATWOOT_GROUP = UNGROUPED  # Chatwoot has no groups
MAX_TEXT = 2000
TITLE_CHARS = 12
_ENTITIES = {"&#13;": "\n", "&#10;": "\n", "&#44;": ",", "&#34;": '"', "&#39;": "'", "&amp;": "&"}
_ENTITY = re.compile("|".join(re.escape(k) for k in _ENTITIES))


class PhraseFileError(ValueError):
    """The whole file cannot be read (unknown format, bad JSON); ``line`` is where."""

    def __init__(self, line: int, code: str, **params: object):
        super().__init__(render(code, params))
        self.line = line


@dataclass(frozen=True, slots=True)
class Incoming:
    """One phrase read from another tool's file."""

    line: int
    code: str
    text: str
    group: str
    title: str
    original_code: str = ""  # set when the tool's code could not be used as it was


@dataclass(slots=True)
class Read:
    format: str  # "qianniu", "variant", "chatwoot"
    phrases: list[Incoming] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)


def decode_entities(text: str) -> str:
    """``&#13;`` → newline, ``&#44;`` → comma (the 快捷编码 variant's escapes)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(0)], text) if "&" in text else text


def title_of(text: str) -> str:
    line = one_line(re.sub(r"\{[a-z_]+\}", "", text)) or one_line(text)
    return line if len(line) <= TITLE_CHARS else line[:TITLE_CHARS] + "…"


def detect(text: str) -> str:
    """The format of a phrase file's text: ``qianniu``, ``variant`` or ``chatwoot``."""
    head = text.lstrip("\ufeff \t\r\n")
    if head[:1] in ("[", "{"):
        return "chatwoot"
    first = tuple(c.strip() for c in next(csv.reader(io.StringIO(head.split("\n", 1)[0])), []))
    if first[:3] == QIANNU_HEADER:
        return "qianniu"
    if first[:3] == VARIANT_HEADER:
        return "variant"
    shown = head.split("\n", 1)[0][:60].strip()
    raise PhraseFileError(1, "phrases.not_phrase_file", first=shown if shown.isprintable() else repr(shown)[1:-1],
                          qianniu=",".join(QIANNU_HEADER), variant=",".join(VARIANT_HEADER))


def read_phrases(text: str, code_for: Callable[[str], str]) -> Read:
    """Every phrase of the file, or a reason per bad row. ``code_for(text)`` gives pinyin initials."""
    fmt = detect(text)
    out = Read(fmt)
    rows = _json_rows(text) if fmt == "chatwoot" else _csv_rows(text.lstrip("\ufeff"), fmt, out)
    for line, code, body, group in rows:
        try:
            out.phrases.append(_incoming(line, code, body, group, fmt, code_for))
        except ValueError as exc:
            out.problems.append((line, str(exc)))
    _check_repeats(out)
    return out


def _csv_rows(text: str, fmt: str, out: Read) -> Iterable[tuple[int, str, str, str]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    line = 0
    try:
        next(reader)
        line = reader.line_num
        while True:
            start = line + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                out.problems.append((start, render("phrases.unclosed_quote" if "end of data" in str(exc)
                                                   else "phrases.bad_row")))
                return
            line = reader.line_num
            if not cells or not "".join(cells).strip():
                continue
            if len(cells) < 2 or len(cells) > 3:
                out.problems.append((start, render("phrases.row_width", count=len(cells))))
                continue
            code, body, group = (cells + [""])[:3]
            if fmt == "variant":
                if line != start:
                    out.problems.append((start, render("phrases.line_break")))
                    continue
                body, group = decode_entities(body), decode_entities(group)
            yield start, code, body, group
    except csv.Error:  # the header itself
        raise PhraseFileError(1, "phrases.bad_csv") from None


def _json_rows(text: str) -> Iterable[tuple[int, str, str, str]]:
    try:
        doc = json.loads(text.lstrip("\ufeff"))
    except json.JSONDecodeError as exc:
        raise PhraseFileError(exc.lineno, "phrases.bad_json", column=exc.colno) from None
    if isinstance(doc, dict):
        doc = doc.get("payload", [doc["canned_response"]] if "canned_response" in doc else None)
    if not isinstance(doc, list):
        raise PhraseFileError(1, "phrases.not_list")
    for i, item in enumerate(doc, 1):
        if not isinstance(item, dict) or not isinstance(item.get("content"), str):
            yield i, "", "", "\0bad"
            continue
        yield i, str(item.get("short_code") or ""), item["content"], CHATWOOT_GROUP


def _incoming(line: int, code: str, body: str, group: str, fmt: str, code_for: Callable[[str], str]) -> Incoming:
    if group == "\0bad":
        raise ValueRefused("phrases.no_content")
    body = clean_text(body).strip()
    if not body:
        raise ValueRefused("phrases.empty")
    if len(body) > MAX_TEXT:
        raise ValueRefused("phrases.too_long", length=len(body), limit=MAX_TEXT)
    group = one_line(group) or UNGROUPED
    if len(group) > 32:
        raise ValueRefused("phrases.group_too_long", group=group[:32])
    raw = one_line(code)
    usable = raw.lower()
    if not CODE_RE.fullmatch(usable):
        usable = _usable_code(raw, body, code_for)
    return Incoming(line, usable, body, group, title_of(body), raw if usable != raw.lower() else "")


def _usable_code(raw: str, body: str, code_for: Callable[[str], str]) -> str:
    """A code ours accepts (``[a-z0-9_-]{2,32}``) made from the tool's code or the text."""
    base = "".join(ch for ch in code_for(raw).lower() if ch.isascii() and (ch.isalnum() or ch in "_-")) if raw else ""
    if not base:
        base = "".join(ch for ch in code_for(body).lower() if ch.isascii() and ch.isalnum())[:6]
    base = base[:32]
    if len(base) < 2:
        base = ("qn" + base)[:32]
    return base


def _check_repeats(out: Read) -> None:
    """A code twice in one file: the same text is kept once, a different text is refused."""
    first: dict[str, Incoming] = {}
    kept: list[Incoming] = []
    for p in out.phrases:
        seen = first.get(p.code)
        if seen is None:
            first[p.code] = p
            kept.append(p)
        elif seen.text != p.text:
            if p.original_code or seen.original_code:
                kept.append(_renumbered(p, first))
                first[kept[-1].code] = kept[-1]
            else:
                out.problems.append((p.line, render("phrases.code_conflict", code=p.code, line=seen.line)))
    out.phrases = kept


def _renumbered(p: Incoming, taken: dict[str, Incoming]) -> Incoming:
    n = 2
    while f"{p.code}{n}"[:32] in taken:
        n += 1
    return Incoming(p.line, f"{p.code}{n}"[:32], p.text, p.group, p.title, p.original_code or p.code)


# ---- out ------------------------------------------------------------------------------------
def qianniu_csv(phrases: Iterable[tuple[str, str, str]]) -> str:
    """(code, text, group) rows as the 千牛 CSV text (encode it as GBK); ungrouped stays empty."""
    buf = io.StringIO(newline="")
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(QIANNU_HEADER)
    for code, text, group in phrases:
        w.writerow([code, text, "" if group == UNGROUPED else group])
    return buf.getvalue()


def chatwoot_json(phrases: Iterable[tuple[str, str]], now_iso: str, account_id: int = 1) -> str:
    """(code, text) as a Chatwoot canned-response list."""
    items = [{"id": i, "account_id": account_id, "short_code": code, "content": text,
              "created_at": now_iso, "updated_at": now_iso} for i, (code, text) in enumerate(phrases, 1)]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
