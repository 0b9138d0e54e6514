"""Every refusal and CLI line a user reads is Chinese and comes from the message catalogue:
a scan of the source finds no English sentence raised or printed outside the catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from cs_console.domain.messages import MESSAGES

ROOT = Path(__file__).resolve().parent.parent / "cs_console"
# the TUI and the HTTP gateway keep their own lanes' texts; the rest reaches users through here
SKIP = ("tui", "gateway")
HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:\s+[A-Za-z]{2,}){1,}")  # two English words in a row
# calls whose string arguments reach the user: refusals raised, CLI output
SHOWN_CALLS = {"fail", "echo", "secho", "print", "emit", "BadParameter", "Exit", "reject", "Rejected", "Problem"}
# modules whose refusals must all be catalogue codes (no ready sentences at all)
CATALOGUE_ONLY = ("domain/order_import.py", "domain/order_columns.py", "services/order_import.py",
                  "services/order_files.py", "store/order_staging.py", "domain/freight.py", "domain/postage.py",
                  "domain/postage_rates.py", "domain/postage_entry.py", "domain/rate_card.py",
                  "config/freight.py", "config/postage.py", "config/yamlfile.py")


def _text(node: ast.AST) -> str | None:
    """The literal text of a string argument (an f-string's constant parts), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BoolOp):  # "\n".join(rows) or "nothing yet"
        texts = [t for t in map(_text, node.values) if t is not None]
        return "".join(texts) if texts else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _text(node.left), _text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def _name(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _shown_strings(tree: ast.AST, *, first_only: bool = False):
    """(line, text, raised) of every string literal passed to a raised exception or a CLI output
    call (``first_only``: the message argument of a refusal, not its parameters)."""
    raised = {id(n.exc) for n in ast.walk(tree) if isinstance(n, ast.Raise) and isinstance(n.exc, ast.Call)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        is_raise = id(node) in raised
        if not is_raise and _name(node) not in SHOWN_CALLS:
            continue
        args = [*node.args, *(k.value for k in node.keywords if k.arg not in ("markup", "highlight", "style"))]
        if first_only:
            args = [a for a in node.args if _text(a) is not None][:1]
        for arg in args:
            for part in ([*arg.elts] if isinstance(arg, ast.List | ast.Tuple) else [arg]):
                text = _text(part)
                if text is not None:
                    yield node.lineno, text, is_raise


def _modules():
    for path in sorted(ROOT.rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.split("/")[0] not in SKIP:
            yield rel, ast.parse(path.read_text(encoding="utf-8"))


STARTS_ENGLISH = re.compile(r"^\W*[A-Za-z]{2,}[ ,:]+[A-Za-z]{2,}\s+[A-Za-z]{2,}")


def _english(text: str) -> bool:
    """An English sentence: two English words and no Chinese, or a sentence that begins in English."""
    if text in MESSAGES:
        return False
    text = text.replace("error: ", "")
    if HAN.search(text):
        return bool(STARTS_ENGLISH.search(text))
    return bool(ENGLISH.search(text))


def test_no_english_sentence_is_raised_or_printed():
    found = [f"{rel}:{line}: {text!r}" for rel, tree in _modules() for line, text, _ in _shown_strings(tree)
             if _english(text)]
    checked = sum(1 for _, tree in _modules() for _ in _shown_strings(tree))
    assert checked > 300  # the scan sees the code's refusals and output
    assert found == []


def test_import_and_freight_refusals_are_catalogue_codes():
    """The order importer and the freight/postage rules raise codes of the catalogue, never a
    ready sentence (so every text is in one place, and the error log records only the code)."""
    found, codes = [], 0
    for rel, tree in _modules():
        if rel not in CATALOGUE_ONLY:
            continue
        for line, text, is_raise in _shown_strings(tree, first_only=True):
            if not is_raise:
                continue
            if text in MESSAGES:
                codes += 1
            elif text.strip(":/ ") and not text.startswith(("{", ":")):
                found.append(f"{rel}:{line}: {text!r}")
    assert codes > 60
    assert found == []


def test_every_code_raised_anywhere_is_in_the_catalogue():
    """A code that looks like one (``import.bad_time``) but is missing would show as the bare code."""
    code = re.compile(r"[a-z_]+\.[a-z_]+")
    missing = [f"{rel}:{line}: {text}" for rel, tree in _modules() for line, text, _ in _shown_strings(tree)
               if code.fullmatch(text) and text not in MESSAGES]
    assert missing == []
