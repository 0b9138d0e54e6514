"""The n-gram / prefix indexes behind quick-reply search answer exactly what a scan would."""

import random

import pytest

from cs_console.domain.replies.grams import FuzzyCandidates, PrefixIndex, SubstringIndex

WORDS = ["亲，稍等", "退款进度", "物流查询", "qinshaodeng", "tuikuanjindu", "wuliu", "SF 顺丰", "7天无理由",
         "亲在的呢", "kuaidi", "", "a", "包邮", "尺码偏大"]


def _values(n: int = 400) -> list[str]:
    rnd = random.Random(3)
    return ["".join(rnd.choice(WORDS) for _ in range(rnd.randint(1, 3))) for _ in range(n)]


@pytest.mark.parametrize("short", [True, False])
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("needle", ["亲", "退款", "物流查", "qin", "uikuan", "k", "ai", "SF", "无此", "zzz", "天无理由",
                                    "稍等退款", "kuaidiwuliu", ""])
def test_substring_index_matches_a_scan(n, needle, short):
    values = _values(3000)  # long posting lists: the rarest list is narrowed before it is verified
    index = SubstringIndex(values, n, short=short)
    expected = [i for i, v in enumerate(values) if needle in v]
    assert index.find(needle) == expected
    assert index.find(needle, want=5) == expected[:5]
    odd = [i for i in expected if i % 2][:3]
    assert index.find(needle, want=3, skip=lambda i: i % 2 == 0) == odd


@pytest.mark.parametrize("prefix", ["", "亲", "退款", "qinsh", "tuikuanjin", "x", "7天无"])
def test_prefix_index_matches_a_scan(prefix):
    values = _values()
    expected = [i for i, v in enumerate(values) if v.startswith(prefix)]
    index = PrefixIndex(values)
    assert index.find(prefix) == expected
    assert index.find(prefix, want=4) == expected[:4]


def test_fuzzy_candidates_keep_a_transposed_code():
    codes = [f"code{i}" for i in range(500)] + ["qsd", "tkuan"]
    pool = FuzzyCandidates(codes).pool("qds", 50)
    assert len(pool) <= 50
    assert codes.index("qsd") in pool
    assert codes.index("tkuan") in FuzzyCandidates(codes).pool("tkaun", 50)


@pytest.mark.parametrize("needle", ["qds", "tkaun", "qinshaodneg", "退款进渡", "亲稍", "zz"])
def test_fuzzy_best_finds_what_scoring_every_value_finds(needle):
    from rapidfuzz import fuzz

    values = _values(600) + ["qsd", "tkuan", "qsd", "退款进度"]  # duplicates count once each
    expected = sorted(((i, fuzz.ratio(needle, v)) for i, v in enumerate(values) if len(v) > 1
                       and fuzz.ratio(needle, v) >= 60), key=lambda h: (-h[1], h[0]))
    found = FuzzyCandidates(values).best(needle, len(values), 60, pool=len(values))
    assert found == expected
    assert FuzzyCandidates(values).best(needle, 3, 60, pool=len(values), skip=lambda i: i % 2 == 0) == \
        [h for h in expected if h[0] % 2][:3]


@pytest.mark.parametrize("needle", ["qds", "tkaun", "qinshaodneg", "zz", "ab"])
@pytest.mark.parametrize("pool", [1, 7, 40, 10_000])
def test_fuzzy_best_scores_exactly_the_pool(needle, pool):
    """Whether the candidates fit the pool (their union) or the pool is chosen by shared pairs,
    the hits are those of scoring the values of ``pool()`` one by one, in the same order."""
    from rapidfuzz import fuzz

    values = _values(600) + ["qsd", "tkuan", "qsd", "qdsa", "abab", "aabb"]
    fuzzy = FuzzyCandidates(values)
    chosen = {v for d in fuzzy.pool(needle, pool, 60) for v in [fuzzy.distinct[d]]}
    expected = sorted(((i, fuzz.ratio(needle, v)) for i, v in enumerate(values)
                       if v in chosen and fuzz.ratio(needle, v) >= 60), key=lambda h: (-h[1], h[0]))
    assert fuzzy.best(needle, len(values), 60, pool) == expected
