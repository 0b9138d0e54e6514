"""The quick-reply search index: a table of queries → expected top result, over the shipped set."""

from pathlib import Path

import pytest

from cs_console.config.replies import load_phrases
from cs_console.domain.replies import Phrase, ReplyIndex, pinyin_keys

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def index() -> ReplyIndex:
    return ReplyIndex(load_phrases(REPO / "quick_replies.yaml"))


@pytest.mark.parametrize(
    ("query", "top"),
    [
        # codes: exact beats prefix, leading / and case are ignored
        ("hi", "hi"), ("/tk", "tk"), ("TK", "tk"), ("wlm", "wlm"), ("tkd", "tkdz"), ("cmt", "cmtj"),
        # pinyin initials, word-aware (qsd → 亲，稍等; 在的呢 → zdn)
        ("qsd", "qsd"), ("zdn", "zai"), ("cmb", "cmb"), ("zdqtk", "zdkd"), ("hhsm", "hh"),
        # Chinese words: a title hit beats a text hit
        ("物流", "wl"), ("尺码表", "cmb"), ("顺丰", "sf"), ("晚安", "wa"), ("延长收货", "wlyc"),
        # full pinyin
        ("tuikuan", "tk"), ("shunfeng", "sf"), ("baoyou", "by"), ("yanchangshouhuo", "wlyc"),
        # tags count as keywords, also by pinyin
        ("五星", "hp"), ("wuxing", "hp"), ("kaixian", "zl"),
        # mixed Han + Latin, and IME homophone typos
        ("退kuan", "tk"), ("顺feng", "sf"), ("尺马表", "cmb"), ("包有", "by"),
        # several words: all must match
        ("退款 工作日", "tkdz"), ("物流 不动", "wlbd"),
        # typos in a code / initials: cheap fuzzy fallback
        ("qds", "qsd"), ("hpsst", "hpst"), ("zdkdd", "zdkd"),
    ],
)
def test_top_result(index, query, top):
    hits = index.search(query, limit=5)
    assert hits, query
    assert hits[0].phrase.code == top, [(h.phrase.code, h.score) for h in hits]


def test_tier_order_exact_code_then_prefix_then_initials_then_text(index):
    scores = {h.phrase.code: h.score for h in index.search("hp", limit=20)}
    assert scores["hp"] == 100 and scores["hpst"] == 90
    assert len(scores) > 2 and all(s <= 90 for c, s in scores.items() if c != "hp")


def test_usage_breaks_ties_within_a_tier(index):
    plain = [h.phrase.code for h in index.search("物流", limit=3)]
    used = [h.phrase.code for h in index.search("物流", {"wlds": 7}, limit=3)]
    assert plain[0] == "wl" and used[0] == "wlds"
    # usage never lifts a phrase above a better tier
    assert index.search("wl", {"wlds": 99}, limit=1)[0].phrase.code == "wl"


def test_empty_query_browses_a_group_by_usage(index):
    hits = index.search("", {"cmz": 3}, limit=50, group="尺码")
    assert {h.phrase.group for h in hits} == {"尺码"} and hits[0].phrase.code == "cmz"
    assert index.groups[0] == "问候" and len(index.groups) == 15


def test_group_filter_applies_to_queries(index):
    hits = index.search("亲", limit=20, group="投诉")  # 亲 opens phrases of every group
    assert {h.phrase.code for h in hits} == {"ts", "tsdj", "tsbc", "tsxx", "tsqr", "tszg"}


def test_no_match(index):
    assert index.search("zzzzzzzz", limit=5) == []


@pytest.mark.parametrize(
    ("text", "full", "initials"),
    [
        ("亲，稍等", "qinshaodeng", "qsd"),
        ("快递SF顺丰", "kuaidisfshunfeng", "kdssf"),
        ("重新发货", "chongxinfahuo", "cxfh"),
        ("7天无理由", "7tianwuliyou", "7twly"),
    ],
)
def test_pinyin_keys(text, full, initials):
    assert pinyin_keys(text) == (full, initials)


def test_keys_provider_is_used_for_every_text():
    seen = []

    def keys(text):
        seen.append(text)
        return pinyin_keys(text)

    p = Phrase(group="g", code="ab", title="标题", text="正文")
    ReplyIndex([p], keys)
    assert seen == ["标题", "正文"]
    seen.clear()
    ReplyIndex([p.model_copy(update={"tags": ("标签",)})], keys)
    assert seen == ["标题", "正文", "标签"]


@pytest.fixture(scope="module")
def big() -> ReplyIndex:
    """The shipped set copied 40 times (new codes, same texts): thousands of phrases."""
    base = load_phrases(REPO / "quick_replies.yaml")
    cache: dict = {}
    phrases = [Phrase(group=p.group, code=f"{p.code}{k}", title=p.title, text=p.text, tags=p.tags)
               for k in range(40) for p in base]
    return ReplyIndex(phrases, lambda t: cache[t] if t in cache else cache.setdefault(t, pinyin_keys(t)))


@pytest.mark.parametrize("query", ["亲 物流", "退款 工作日", "尺码 偏大 亲", "物流 不存在的词", "亲 亲"])
def test_several_words_at_scale_rank_as_a_scan_would(big, query):
    words = query.split()

    def tier(p: Phrase, w: str) -> int:
        label = f"{p.title}\n{' '.join(p.tags)}\n{p.group}".lower()
        return 58 if w in label else 55 if w in p.text.lower() else 0

    scanned = [(min(tier(p, w) for w in words), i) for i, p in enumerate(big.phrases)]
    expected = [big.phrases[i].code for _, i in sorted((-s, i) for s, i in scanned if s)][:30]
    assert len(expected) == (0 if "不存在" in query else 30)
    assert [h.phrase.code for h in big.search(query, limit=30)] == expected


def test_empty_query_at_scale_lists_used_phrases_then_file_order(big):
    hits = big.search("", {"cmz7": 2, "hi3": 5}, limit=4)
    assert [h.phrase.code for h in hits] == ["hi3", "cmz7", big.phrases[0].code, big.phrases[1].code]


ONE_SHOT_QUERIES = ["hi", "/tk", "TK", "tkd", "qsd", "zdn", "物流", "尺码表", "tuikuan", "五星", "wuxing", "退kuan",
                    "尺马表", "退款 工作日", "物流 不动", "qds", "zdkdd", "sf", "7", "", "没有这种说法"]


@pytest.mark.parametrize("query", ONE_SHOT_QUERIES)
def test_one_shot_index_ranks_as_the_full_one(index, query):
    """A one-shot index (a CLI search) builds its posting structures on first use: same hits."""
    usage = {"tkdz": 3, "wl": 1}
    one_shot = ReplyIndex(index.phrases, one_shot=True)
    for group in (None, "物流"):
        assert one_shot.search(query, usage, limit=5, group=group) == index.search(query, usage, limit=5, group=group)
