"""Gateway rules without I/O: what an HTTP answer means, backoff with jitter, signatures,
status order, input checks."""

from __future__ import annotations

import random

import pytest

from cs_console.domain.gateway import (
    Outcome,
    RetryPolicy,
    advances,
    check_channel_name,
    check_external_id,
    check_order_no,
    classify,
    sign,
    token_hash,
    verify,
)
from cs_console.domain.limits import ValueRefused
from cs_console.domain.messages import render


@pytest.mark.parametrize(("code", "outcome"), [
    (None, Outcome.RETRY), (200, Outcome.DELIVERED), (204, Outcome.DELIVERED), (429, Outcome.RETRY),
    (500, Outcome.RETRY), (503, Outcome.RETRY), (400, Outcome.FINAL), (401, Outcome.FINAL),
    (404, Outcome.FINAL), (410, Outcome.FINAL), (301, Outcome.FINAL),
])
def test_http_answer_decides_retry_or_final(code, outcome):
    assert classify(code) == outcome


@pytest.mark.parametrize(("attempts", "low", "high"), [(1, 1.0, 2.0), (2, 2.0, 4.0), (3, 4.0, 8.0), (10, 30.0, 60.0)])
def test_backoff_doubles_with_jitter_and_a_cap(attempts, low, high):
    policy = RetryPolicy(base_seconds=2.0, cap_seconds=60.0)
    delays = [policy.delay(attempts, random.Random(seed)) for seed in range(50)]
    assert all(low <= d <= high for d in delays)
    assert len({round(d, 6) for d in delays}) > 40  # jittered: receivers are not hit in lockstep


def test_signature_covers_timestamp_and_body():
    body = b'{"text":"\xe4\xbd\xa0\xe5\xa5\xbd"}'
    sig = sign("whsec_x", 1_700_000_000, body)
    assert sig.startswith("sha256=") and len(sig) == 7 + 64
    assert verify("whsec_x", 1_700_000_000, body, sig, now=1_700_000_010)
    assert not verify("whsec_y", 1_700_000_000, body, sig, now=1_700_000_010)
    assert not verify("whsec_x", 1_700_000_001, body, sig, now=1_700_000_010)
    assert not verify("whsec_x", 1_700_000_000, body + b" ", sig, now=1_700_000_010)
    assert not verify("whsec_x", 1_700_000_000, body, sig, now=1_700_000_000 + 3600)  # replayed later


@pytest.mark.parametrize(("old", "new", "moves"), [
    ("sent", "delivered", True), ("sent", "read", True), ("delivered", "read", True),
    ("read", "delivered", False), ("delivered", "sent", False), ("sent", "failed", True),
    ("failed", "delivered", True), ("read", "read", False),
])
def test_status_only_moves_forward(old, new, moves):
    assert advances(old, new) is moves


@pytest.mark.parametrize(("name", "ok"), [("myshop", True), ("a", True), ("shop-2_b", True), ("", False),
                                          ("My Shop", False), ("-x", False), ("x" * 33, False), ("店铺", False),
                                          ("myshop\n", False), ("myshop\r\n", False)])
def test_channel_names(name, ok):
    if ok:
        assert check_channel_name(name) == name
    else:
        with pytest.raises(ValueError):
            check_channel_name(name)


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("  ", None), (" T123 ", "T123"),
                                                 ("2026-001_a", "2026-001_a")])
def test_order_numbers(value, expected):
    assert check_order_no(value) == expected


@pytest.mark.parametrize("bad", ["<b>", "1 2", "x" * 41, "订单", "T1\nT2"])
def test_bad_order_numbers(bad):
    with pytest.raises(ValueError):
        check_order_no(bad)


@pytest.mark.parametrize(("check", "value", "reason"), [
    (check_channel_name, "myshop\n", "channel.bad_name"),
    (check_external_id, "msg-1\n", "channel.bad_id"),
    (check_external_id, "msg 1", "channel.bad_id"),
    (check_external_id, "x" * 129, "channel.bad_id"),
])
def test_a_trailing_newline_is_refused_with_the_reason(check, value, reason):
    with pytest.raises(ValueRefused) as info:
        check(value)
    assert str(info.value) == render(reason)


def test_token_hash_is_sha256_hex():
    assert token_hash("csk_a") != token_hash("csk_b") and len(token_hash("csk_a")) == 64
