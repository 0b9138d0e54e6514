"""Writing phrases into a phrase file without disturbing it (ruamel.yaml round trip).

Comments, key order, quoting and the order of the existing phrases stay as the team wrote them;
new phrases are appended, a replaced phrase keeps its place. The result is checked with the
same loader as every start (``load_phrases``) before it replaces the file, atomically.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString

from cs_console.config.replies import load_phrases
from cs_console.config.yamlfile import ConfigError
from cs_console.domain.messages import render
from cs_console.domain.replies.model import Phrase

EMPTY = "# 快捷短语 — quick replies (cs-console)\nphrases: []\n"


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.width = 4096  # never fold a long phrase
    y.indent(mapping=2, sequence=4, offset=2)
    y.preserve_quotes = True
    return y


def _scalar(text: str) -> str:
    return LiteralScalarString(text) if "\n" in text else text


def entry(p: Phrase) -> CommentedMap:
    m = CommentedMap()
    m["group"], m["code"], m["title"], m["text"] = p.group, p.code, p.title, _scalar(p.text)
    if p.tags:
        m["tags"] = list(p.tags)
    return m


def write_phrases(path: Path, add: Iterable[Phrase], replace: dict[str, str] | None = None) -> list[Phrase]:
    """Append ``add`` and set the text of the codes in ``replace``; returns the file's phrases.

    Raises :class:`ConfigError` (the file untouched) when the existing file is broken or the
    result would not load."""
    replace = replace or {}
    if path.exists():
        load_phrases(path)  # a broken file is reported as it is at every start, and left alone
        doc = _yaml().load(path.read_text(encoding="utf-8"))
    else:
        doc = _yaml().load(EMPTY)
    if doc is None:
        doc = _yaml().load(EMPTY)
    if not isinstance(doc, CommentedMap):
        raise ConfigError([f"{path}:1: {render('config.not_phrase_file')}"])
    items = doc.get("phrases")
    if items is None:
        items = doc["phrases"] = CommentedSeq()
    if not isinstance(items, CommentedSeq):
        raise ConfigError([f"{path}:1: {render('config.phrases_not_list')}"])
    for item in items:
        code = str(item.get("code", "")).strip().lower() if hasattr(item, "get") else ""
        if code in replace:
            item["text"] = _scalar(replace[code])
    for p in add:
        items.append(entry(p))
    buf = io.StringIO()
    _yaml().dump(doc, buf)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(buf.getvalue(), encoding="utf-8")
    try:
        phrases = load_phrases(tmp)
    except ConfigError as exc:
        tmp.unlink(missing_ok=True)
        raise ConfigError([p.replace(str(tmp), str(path)) for p in exc.problems]) from None
    os.replace(tmp, path)
    return phrases
