"""Property-based tests (hypothesis) of every parser of outside input: money strings, item specs,
phrase files, handover files, ``data/*.yaml`` and buyer text. For any input, the parser either
refuses it with a reason (Chinese, or ``FILE:LINE: reason`` for files) or the value is stored
and displayed literally — never a traceback, never a silent change."""

from __future__ import annotations

import copy
import io
import json
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cs_console.config.yamlfile import ConfigError
from cs_console.domain.handover import derive
from cs_console.domain.handover_check import validate_event
from cs_console.domain.handover_file import HandoverFileError, checksum, parse
from cs_console.domain.messages import UserError
from cs_console.domain.money import CENT, MAX_AMOUNT, MoneyError, format_money, parse_money
from cs_console.domain.postage import MAX_QUANTITY, PostageError, parse_item
from cs_console.domain.terminal import terminal_safe
from cs_console.domain.text import clean_text, one_line

CJK = re.compile(r"[\u4e00-\u9fff]")
FILE_LINE = re.compile(r"^.+:\d+: .+")
TERMINAL_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
SLOW = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FAST = settings(max_examples=300, deadline=None)

# digits of every kind a keyboard, an IME or a paste can produce
DIGITS = "0123456789０１２３４５６７８９٠١٢٣٤٥٦٧٨٩²³¹۵߁"
money_like = st.builds(
    lambda sign, prefix, whole, dot, frac, suffix: f"{sign}{prefix}{whole}{dot}{frac}{suffix}",
    st.sampled_from(["", "-", "+", " "]), st.sampled_from(["", "¥", "￥", "RMB"]),
    st.text(alphabet=DIGITS + ",", max_size=32), st.sampled_from(["", ".", "．"]),
    st.text(alphabet=DIGITS, max_size=5), st.sampled_from(["", "元", " "]),
)


def _reason(exc: UserError) -> str:
    text = str(exc)
    assert text and CJK.search(text), text
    return text


# ---- money strings ----------------------------------------------------------------------------
@FAST
@given(st.one_of(money_like, st.text(max_size=80)))
def test_money_text_refused_with_a_reason_or_read_exactly(text):
    try:
        value = parse_money(text, allow_negative=True)
    except MoneyError as exc:
        _reason(exc)
        return
    assert value == value.quantize(CENT) and abs(value) <= MAX_AMOUNT
    assert not any(ch.isdigit() and not ch.isascii() for ch in text)   # ASCII digits only
    body = text.strip()
    for affix in ("¥", "￥", "RMB", "rmb", "元"):
        body = body.removeprefix(affix).removesuffix(affix).strip()
    assert Decimal(body.replace(",", "") or "0") == value              # exactly what was typed


@FAST
@given(st.decimals(min_value=-MAX_AMOUNT, max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False))
def test_formatted_amounts_read_back_unchanged(value):
    assert parse_money(format_money(value, symbol=False), allow_negative=True) == value
    if value >= 0:
        assert parse_money(format_money(value)) == value


@FAST
@given(st.text(alphabet="0123456789", min_size=1, max_size=8), st.text(alphabet="0123456789", min_size=3, max_size=6))
def test_more_than_two_decimals_never_rounded_silently(whole, frac):
    with pytest.raises(MoneyError, match="最多两位小数"):
        parse_money(f"{whole}.{frac}")


# ---- item specs (calculator / postage quote) ------------------------------------------------
item_like = st.builds(lambda p, x, q, f: f"{p}{x}{q}{f}", money_like, st.sampled_from(["x", "×", "*", " x ", ""]),
                      st.text(alphabet=DIGITS + "-.", max_size=24), st.sampled_from(["", " 包邮", ":free", "：f", ":zz"]))


@FAST
@given(st.one_of(item_like, st.text(max_size=60)))
def test_item_spec_refused_with_a_reason_or_read_exactly(text):
    try:
        item = parse_item(text)
    except PostageError as exc:
        _reason(exc)
        return
    assert 0 <= item.price <= MAX_AMOUNT and item.price == item.price.quantize(CENT)
    assert 1 <= item.quantity <= MAX_QUANTITY and type(item.quantity) is int
    assert not any(ch.isdigit() and not ch.isascii() for ch in text)


# ---- phrase files -----------------------------------------------------------------------------
def _yaml_text(doc) -> str:
    buf = io.StringIO()
    YAML(typ="safe", pure=True).dump(doc, buf)
    return buf.getvalue()


phrase = st.fixed_dictionaries({
    "group": st.one_of(st.sampled_from(["问候", "物流"]), st.text(max_size=12)),
    "code": st.one_of(st.from_regex(r"\A[a-z][a-z0-9_-]{1,8}\Z"), st.text(max_size=12)),
    "title": st.one_of(st.sampled_from(["欢迎语", "发货"]), st.text(max_size=12)),
    "text": st.one_of(st.text(max_size=60), st.text(max_size=30).map(lambda t: "亲，" + t + "{buyer}")),
}, optional={"tags": st.lists(st.text(max_size=6), max_size=3)})


@SLOW
@given(st.lists(phrase, max_size=5))
def test_phrase_file_refused_with_file_line_or_loaded_literally(tmp_path, phrases):
    from cs_console.config.replies import load_phrases

    path = tmp_path / "phrases.yaml"
    path.write_text(_yaml_text({"phrases": phrases}), encoding="utf-8")
    try:
        loaded = load_phrases(path)
    except ConfigError as exc:
        assert exc.problems and all(FILE_LINE.match(p) for p in exc.problems), exc.problems
        event("refused")
        return
    event("loaded")
    assert len(loaded) == len(phrases)
    for got, given_ in zip(loaded, phrases, strict=True):
        assert got.text == given_["text"].rstrip("\n")                 # the text exactly as written
        assert got.title == given_["title"].strip()


@SLOW
@given(st.text(max_size=300))
def test_any_phrase_file_text_is_refused_with_file_line_or_loaded(tmp_path, text):
    from cs_console.config.replies import load_phrases

    path = tmp_path / "raw.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_phrases(path)
    except ConfigError as exc:
        assert exc.problems and all(FILE_LINE.match(p) for p in exc.problems), exc.problems


# ---- handover files ---------------------------------------------------------------------------
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30) | st.sampled_from(["ultra", "urgent", "high", "done", "9999-12-31T23:59:59+00:00",
                                             "2026-11-23T02:00:00+00:00", "0001-01-01T00:00:00", "2026-13-45"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
EVENT_KEYS = ["id", "note_id", "kind", "at", "author", "origin", "data", "extra"]
DATA_KEYS = ["text", "priority", "buyer", "order_no", "case_id", "shift", "for_shift", "day", "source",
             "resolution", "secret"]


@pytest.fixture
def base_export(desk):
    n = desk.handover.add("小王要改地址", "小美", buyer="小王", priority="high")
    desk.handover.ack(n.id, "阿强")
    desk.handover.done(n.id, "阿强", "已改")
    desk.handover.add("仓库缺货：粉色73码", "小美")
    return json.loads(handover_file_text(desk))


def handover_file_text(desk) -> str:
    from cs_console.domain import handover_file
    from cs_console.store import handover as repo

    with desk.store.read() as s:
        evs = repo.events(s)
    return handover_file.dump(evs, store_id=desk.store.store_id(), exported_at=desk.clock())


@SLOW
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(EVENT_KEYS + [f"data.{k}" for k in DATA_KEYS]),
                          json_values), min_size=1, max_size=3))
def test_forged_handover_file_refused_with_file_line_or_every_event_valid(base_export, edits):
    doc = copy.deepcopy(base_export)
    for index, key, value in edits:
        rec = doc["events"][index]
        if key.startswith("data."):
            if isinstance(rec.get("data"), dict):
                rec["data"][key[5:]] = value
        else:
            rec[key] = value
    doc["sha256"] = checksum(doc["events"])               # the forger recomputes the checksum
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    try:
        events = parse(text, "forged.json")
    except HandoverFileError as exc:
        assert re.match(r"^forged\.json:\d+: ", str(exc)), str(exc)
        _reason(exc)
        event("refused")
        return
    event("accepted")
    for ev in events:                                      # what is accepted is valid through and through
        validate_event({"id": ev.id, "note_id": ev.note_id, "kind": str(ev.kind), "at": ev.at,
                        "author": ev.author, "origin": ev.origin, "data": ev.data})
    for note in derive(events):
        assert note.priority and note.created_at.year <= 2100
        assert TERMINAL_CONTROLS.search(terminal_safe(note.text)) is None


@SLOW
@given(st.text(max_size=200))
def test_any_text_as_a_handover_file_is_refused_with_file_line(text):
    assume(text.strip())
    with pytest.raises(HandoverFileError) as info:
        parse(text, "x.json")
    assert re.match(r"^x\.json:\d+: ", str(info.value))


@SLOW
@given(st.sampled_from(["ultra", "normal"]), st.text(max_size=2100), st.integers(1990, 2200))
def test_imported_events_are_stored_and_listed_literally(desk, tmp_path, base_export, priority, note_text, year):
    doc = copy.deepcopy(base_export)
    rec = next(r for r in doc["events"] if r["kind"] == "created" and r["data"]["text"] == "仓库缺货：粉色73码")
    rec["id"], rec["note_id"] = str(uuid.uuid4()), str(uuid.uuid4())   # a note this store has not seen
    rec["data"]["priority"], rec["data"]["text"] = priority, note_text
    rec["at"] = f"{year:04d}-06-01T00:00:00+00:00"
    doc["sha256"] = checksum(doc["events"])
    path = tmp_path / "book.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    before = desk.handover.event_count()
    try:
        desk.handover.import_(path)
    except HandoverFileError as exc:
        _reason(exc)
        assert desk.handover.event_count() == before       # nothing half-written
        event("refused")
        return
    event("stored")
    stored = {n.id: n for n in desk.handover.notes()}
    assert stored[rec["note_id"]].text == note_text     # exactly as in the file
    assert desk.handover.last_quarantine == []


# ---- data/*.yaml ------------------------------------------------------------------------------
DATA = Path(__file__).resolve().parents[1] / "data"


def _leaf_paths(node, prefix=()):
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _leaf_paths(v, (*prefix, k))
    elif isinstance(node, list) and node:
        for i, v in enumerate(node):
            yield from _leaf_paths(v, (*prefix, i))
    yield prefix


def _set(doc, path, value):
    if not path:
        return value
    cur = doc
    for key in path[:-1]:
        cur = cur[key]
    cur[path[-1]] = value
    return doc


yaml_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.text(max_size=20)
    | st.sampled_from(["Mars/Olympus", "Asia/Shanghai", "25:99", "08:30", "warehouse", "tmall", "", "ultra"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6)


@pytest.mark.parametrize(("name", "load"), [
    ("shop.yaml", "policy"), ("flags.yaml", "flags"), ("postage.yaml", "rates"),
])
@SLOW
@given(data=st.data())
def test_data_files_refused_with_file_line_or_loaded_and_usable(tmp_path, name, load, data):
    from cs_console.config.flags import load_flag_conventions
    from cs_console.config.policy import load_policy
    from cs_console.config.postage import load_rates
    from cs_console.domain.clock import local
    from cs_console.domain.shifts import ShiftClock

    original = YAML(typ="safe", pure=True).load((DATA / name).read_text(encoding="utf-8"))
    paths = sorted(set(_leaf_paths(original)), key=lambda p: [str(x) for x in p])
    path = data.draw(st.sampled_from(paths))
    doc = _set(copy.deepcopy(original), path, data.draw(yaml_values))
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(_yaml_text(doc), encoding="utf-8")
    try:
        if load == "policy":
            policy = load_policy(folder)
            clock = ShiftClock(policy.shifts, policy.shop.timezone)   # a loaded policy is usable
            from datetime import UTC, datetime

            now = datetime(2026, 11, 23, 2, tzinfo=UTC)
            clock.day_of(now)
            local(now, policy.shop.timezone)
        elif load == "flags":
            load_flag_conventions(folder)
        else:
            load_rates(folder / name)
        event("loaded")
    except ConfigError as exc:
        assert exc.problems and all(FILE_LINE.match(p) for p in exc.problems), exc.problems
        event("refused")


# ---- buyer text -------------------------------------------------------------------------------
@SLOW
@given(st.text(max_size=40), st.text(max_size=400))
def test_buyer_text_refused_with_a_reason_or_stored_and_shown_literally(desk, nick, text):
    try:
        posted = desk.chats.inject(nick, text)
    except UserError as exc:
        _reason(exc)
        event("refused")
        return
    event("stored")
    stored = desk.chats.log(posted.buyer)[-1].text
    assert stored == clean_text(text)                       # what the buyer wrote, minus terminal controls
    assert stored.strip()
    assert posted.buyer == one_line(nick)
    for shown in (terminal_safe(stored), one_line(stored), terminal_safe(posted.buyer)):
        assert TERMINAL_CONTROLS.search(shown.replace("\n", "")) is None
