"""Column names of the seller backend's exports, by era (pure: header names in, column picks out).

订单报表 (one row per order) grew from 28 columns (2014) to 61 (2020) plus the 2021+ Tmall
extras; 宝贝报表 (one row per item line) has 10 (2014–2019), 28 (2020s) or 27 (2023+, often
xlsx) columns. Names are matched after stripping (some eras end names with a space), never by
position. Every name of every layout is known, so an "unknown" column is really one that no
layout has; those are ignored and listed once.
"""

from __future__ import annotations

from dataclasses import dataclass

from cs_console.domain.text import one_line

# field → the names that carry it, preferred first (ERP imitations drift: 收货人, 支付金额)
ORDER_FIELDS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单编号",),
    "buyer": ("买家会员名",),
    "items_total": ("买家应付货款",),
    "postage": ("买家应付邮费",),
    "amount": ("总金额",),
    "paid_amount": ("买家实际支付金额", "支付金额"),
    "state": ("订单状态",),
    "buyer_message": ("买家留言",),
    "receiver_name": ("收货人姓名", "收货人"),
    "address": ("收货地址",),
    "phone": ("联系手机",),
    "phone_alt": ("联系电话",),
    "placed_at": ("订单创建时间",),
    "paid_at": ("订单付款时间",),
    "shipped_at": ("发货时间",),
    "tracking_no": ("物流单号", "运单号"),
    "courier": ("物流公司",),
    "remark": ("订单备注",),
    "close_reason": ("订单关闭原因", "关闭原因"),
    "main_no": ("主订单编号",),
}
ORDER_REQUIRED = ("order_no", "buyer", "state", "placed_at")

# the rest of every 订单报表 layout: read by nobody here, but known (so never "unknown")
ORDER_OTHER_NAMES = frozenset("""
买家支付宝账号 买家支付积分 返点积分 买家实际支付积分 运送方式 宝贝标题 宝贝种类 宝贝总数量 店铺Id 店铺名称
卖家服务费 买家服务费 发票抬头 是否手机订单 分阶段订单信息 特权订金订单id 定金排名 修改后的sku 修改后的收货地址
异常信息 天猫卡券抵扣 集分宝抵扣 是否是O2O交易 是否上传合同照片 是否上传小票 是否代付 退款金额 预约门店
新零售交易类型 新零售导购门店名称 新零售导购门店id 新零售发货门店名称 新零售发货门店id 确认收货时间 打款商家金额
含应开票给个人的个人红包 支付单号 支付详情 是否信用购 体验期结束时间 前N有礼 配送类型
直播返现状态 返现金额 延迟发货自动赔付金额 预售订单 商家备忘
""".split())

ITEM_FIELDS: dict[str, tuple[str, ...]] = {
    "order_no": ("订单编号", "主订单编号"),
    "sub_no": ("子订单编号",),
    "title": ("标题", "商品标题", "宝贝标题"),
    "unit_price": ("价格", "商品价格"),
    "quantity": ("购买数量",),
    "attributes": ("商品属性",),
    "free_postage": ("包邮",),
    "merchant_code": ("商家编码",),  # the SKU's 商家编码 when the SKU has one, else the goods'
    "item_id": ("商品id", "商品ID"),  # 数字ID of the goods (2020s files)
}
ITEM_REQUIRED = ("order_no", "title", "unit_price")

ITEM_OTHER_NAMES = frozenset("""
外部系统编号 套餐信息 备注 订单状态 支付单号 买家应付货款 买家实际支付金额 买家实付金额 退款状态 退款金额
订单创建时间 订单付款时间 分阶段订单信息 分阶段信息 主订单备注 主订单买家留言 发货时间 物流单号 物流公司
是否赔付 赔付金额 赔付出账时间 联系方式备注 淘鲜达渠道 备注标签 商家备注 是否主动赔付 主动赔付金额 主动赔付出账时间
""".split())

# a header with either of these names is an item file (宝贝报表), else an order file (订单报表)
ITEM_MARKERS = ("子订单编号", "标题", "商品标题")


@dataclass(frozen=True, slots=True)
class Header:
    """A resolved header: which column carries each field, and what was not understood."""

    kind: str  # "orders" or "items"
    picks: dict[str, int]  # field → column index
    width: int  # number of columns of the header
    unknown: tuple[str, ...]  # names no layout has (ignored, listed once)
    missing: tuple[str, ...]  # required columns absent (the file is refused)

    def layout(self) -> str:
        """What a user calls it: ``订单报表 61 列`` / ``宝贝报表 10 列``."""
        return f"{'订单报表' if self.kind == 'orders' else '宝贝报表'} {self.width} 列"


def clean_name(name: str) -> str:
    """A header name as matched and as shown: BOM, control/escape sequences and outer spaces gone."""
    name = name.replace("\ufeff", "").strip()
    return name if name.isprintable() else one_line(name)


def kind_of(names: list[str]) -> str:
    cleaned = {clean_name(n) for n in names}
    return "items" if any(m in cleaned for m in ITEM_MARKERS) else "orders"


def resolve(names: list[str], kind: str | None = None) -> Header:
    """Match header names (stripped) to fields; the first column carrying a field wins."""
    cleaned = [clean_name(n) for n in names]
    while cleaned and not cleaned[-1]:  # a trailing comma on the header line: no column
        cleaned.pop()
    kind = kind or kind_of(cleaned)
    fields, required, others = ((ORDER_FIELDS, ORDER_REQUIRED, ORDER_OTHER_NAMES) if kind == "orders"
                                else (ITEM_FIELDS, ITEM_REQUIRED, ITEM_OTHER_NAMES))
    position = {}
    for i, n in enumerate(cleaned):
        position.setdefault(n, i)
    picks: dict[str, int] = {}
    known = set(others)
    for fname, aliases in fields.items():
        known.update(aliases)
        for alias in aliases:
            if alias in position:
                picks[fname] = position[alias]
                break
    unknown = tuple(dict.fromkeys(n for n in cleaned if n and n not in known))
    missing = tuple(fields[f][0] for f in required if f not in picks)
    return Header(kind, picks, len(cleaned), unknown, missing)
