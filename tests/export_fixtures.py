"""Seller-backend export files built the way FORMATS.md describes them (small, generated in tests).

订单报表 layouts 28 / 41 / 46 / 54 / 56 / 61 columns, the 2021+ Tmall extras and an ERP imitation;
宝贝报表 10 / 28 / 27 columns. CSV: GBK, no BOM, CRLF, every field quoted, order numbers as
``="…"`` (the ``=`` outside the quotes), ``=""`` for an empty id, 联系手机 as ``'139…``, 买家服务费
``0元``, 订单关闭原因 ``订单未关闭``, trailing spaces on some names in some eras, a trailing comma on
10-column item rows. xlsx: the same names, ``--`` for empty cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

BASE28 = ["订单编号", "买家会员名", "买家支付宝账号", "买家应付货款", "买家应付邮费", "买家支付积分", "总金额", "返点积分",
          "买家实际支付金额", "买家实际支付积分", "订单状态", "买家留言", "收货人姓名", "收货地址 ", "运送方式", "联系电话 ",
          "联系手机", "订单创建时间", "订单付款时间 ", "宝贝标题 ", "宝贝种类 ", "物流单号 ", "物流公司", "订单备注", "宝贝总数量",
          "店铺Id", "店铺名称", "订单关闭原因"]
ADD_2016 = ["卖家服务费", "买家服务费", "发票抬头", "是否手机订单", "分阶段订单信息", "特权订金订单id", "定金排名",
            "修改后的sku", "修改后的收货地址", "异常信息", "天猫卡券抵扣", "集分宝抵扣", "是否是O2O交易"]


def _strip(cols: list[str]) -> list[str]:
    return [c.strip() for c in cols]


def _insert_after(cols: list[str], after: str, new: list[str]) -> list[str]:
    i = [c.strip() for c in cols].index(after) + 1
    return cols[:i] + new + cols[i:]


def _insert_before(cols: list[str], before: str, new: list[str]) -> list[str]:
    i = [c.strip() for c in cols].index(before)
    return cols[:i] + new + cols[i:]


L28 = BASE28
L41 = _strip(BASE28) + ADD_2016  # this era drops the trailing spaces
L46 = _insert_after(BASE28 + ADD_2016, "特权订金订单id", ["是否上传合同照片", "是否上传小票", "是否代付"]) + ["退款金额", "预约门店"]
L54 = _strip(_insert_before(L46, "退款金额", ["新零售交易类型", "新零售导购门店名称", "新零售导购门店id", "新零售发货门店名称",
                                          "新零售发货门店id"]) + ["确认收货时间", "打款商家金额", "含应开票给个人的个人红包"])
L56 = _insert_after(_insert_before(L46, "退款金额", ["新零售交易类型", "新零售导购门店名称", "新零售导购门店id",
                                                  "新零售发货门店名称", "新零售发货门店id"])
                    + ["确认收货时间", "打款商家金额", "含应开票给个人的个人红包"], "买家支付宝账号", ["支付单号", "支付详情"])
L61 = _strip(L56) + ["是否信用购", "体验期结束时间", "前N有礼", "配送类型", "主订单编号"]
TMALL = L61 + ["直播返现状态", "返现金额", "延迟发货自动赔付金额", "预售订单", "发货时间", "商家备忘"]
ERP = ["支付金额" if c == "买家实际支付金额" else "收货人" if c.strip() == "收货人姓名" else c for c in _strip(BASE28)]
ORDER_LAYOUTS = {"2014 (28)": L28, "2016 (41)": L41, "2017 (46)": L46, "2018 (54)": L54, "2019 (56)": L56,
                 "2020 (61)": L61, "2021+ Tmall": TMALL, "ERP drift": ERP}
assert [len(v) for v in ORDER_LAYOUTS.values()] == [28, 41, 46, 54, 56, 61, 67, 28]

ITEMS10 = ["订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态", "商家编码"]
ITEMS28 = ["子订单编号", "主订单编号", "标题", "价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "备注", "订单状态",
           "商家编码", "支付单号", "买家应付货款", "买家实际支付金额", "退款状态", "退款金额", "订单创建时间", "订单付款时间", "商品id",
           "分阶段订单信息", "主订单备注", "主订单买家留言", "发货时间", "物流单号", "物流公司", "是否赔付", "赔付金额", "赔付出账时间"]
ITEMS27 = ["子订单编号", "主订单编号", "商品标题", "商品价格", "购买数量", "外部系统编号", "商品属性", "套餐信息", "联系方式备注",
           "订单状态", "商家编码", "支付单号", "买家应付货款", "买家实付金额", "退款状态", "退款金额", "订单创建时间", "订单付款时间",
           "淘鲜达渠道", "商品ID", "分阶段信息", "备注标签", "商家备注", "主订单买家留言", "是否主动赔付", "主动赔付金额",
           "主动赔付出账时间"]
assert (len(ITEMS10), len(ITEMS28), len(ITEMS27)) == (10, 28, 27)

ID_COLUMNS = {"订单编号", "主订单编号", "子订单编号", "物流单号", "支付单号", "特权订金订单id"}


@dataclass
class Ord:
    """One order of a fixture, with the values that matter (the rest are filled plausibly)."""

    no: str
    buyer: str = "tb_小王"
    state: str = "买家已付款，等待卖家发货"
    goods: str = "129.00"
    post: str = "6.00"
    total: str = "135.00"
    receiver: str = "王小丽"
    address: str = "浙江省 杭州市 西湖区 文三路90号(310000)"
    phone: str = "13912345678"
    placed: str = "2019-11-11 00:01:02"
    paid: str = "2019-11-11 00:03:04"
    title: str = "婴儿连体衣,纯棉,哈衣 春秋款"  # commas inside the title
    tracking: str = ""
    courier: str = ""
    remark: str = ""
    message: str = ""
    close: str = "订单未关闭"
    main_no: str = ""
    extra: dict[str, str] = field(default_factory=dict)


def order_value(name: str, o: Ord) -> str:
    n = name.strip()
    v = {"订单编号": o.no, "买家会员名": o.buyer, "买家支付宝账号": "x***@163.com", "买家应付货款": o.goods,
         "买家应付邮费": o.post, "买家支付积分": "0", "总金额": o.total, "返点积分": "0", "买家实际支付金额": o.total,
         "支付金额": o.total, "买家实际支付积分": "0", "订单状态": o.state, "买家留言": o.message, "收货人姓名": o.receiver,
         "收货人": o.receiver, "收货地址": o.address, "运送方式": "快递", "联系电话": "", "联系手机": "'" + o.phone,
         "订单创建时间": o.placed, "订单付款时间": o.paid, "宝贝标题": o.title, "宝贝种类": "1", "物流单号": o.tracking,
         "物流公司": o.courier, "订单备注": o.remark, "宝贝总数量": "1", "店铺Id": "0", "店铺名称": "小棉袄母婴服饰",
         "订单关闭原因": o.close, "卖家服务费": "0", "买家服务费": "0元", "是否手机订单": "手机订单", "主订单编号": o.main_no,
         "发货时间": "", "配送类型": "快递"}.get(n, "")
    return o.extra.get(n, v)


def _quote(name: str, value: str) -> str:
    if name.strip() in ID_COLUMNS:
        return f'="{value}"'  # the = outside the quotes; a bare ="" when empty
    return '"' + value.replace('"', '""') + '"'


def csv_bytes(header: list[str], rows: list[list[str]], *, trailing_comma: bool = False,
              encoding: str = "gbk") -> bytes:
    lines = [",".join('"' + h + '"' for h in header)]
    for r in rows:
        lines.append(",".join(_quote(h, v) for h, v in zip(header, r, strict=True)) + ("," if trailing_comma else ""))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def orders_csv(path: Path, header: list[str], orders: list[Ord], encoding: str = "gbk") -> Path:
    path.write_bytes(csv_bytes(header, [[order_value(h, o) for h in header] for o in orders], encoding=encoding))
    return path


@dataclass
class Line:
    """One item line of a fixture."""

    order_no: str
    title: str = "宝宝袜子,三双装"
    price: str = "19.90"
    qty: str = "1"
    attributes: str = "颜色分类：粉色;尺码：73cm"
    sub_no: str = ""
    code: str = "SKU-1"
    item_id: str = ""


def item_value(name: str, i: Line) -> str:
    return {"订单编号": i.order_no, "主订单编号": i.order_no, "子订单编号": i.sub_no, "标题": i.title, "商品标题": i.title,
            "价格": i.price, "商品价格": i.price, "购买数量": i.qty, "商品属性": i.attributes, "商家编码": i.code,
            "商品id": i.item_id, "商品ID": i.item_id,
            "订单状态": "买家已付款，等待卖家发货", "退款状态": "没有申请退款"}.get(name, "")


def items_csv(path: Path, header: list[str], items: list[Line], encoding: str = "gbk") -> Path:
    path.write_bytes(csv_bytes(header, [[item_value(h, i) for h in header] for i in items],
                               trailing_comma=header == ITEMS10, encoding=encoding))
    return path


def xlsx(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    """An xlsx export: text cells, ``--`` where the backend leaves a cell empty."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for r in rows:
        sheet.append([v if v != "" else "--" for v in r])
    book.save(path)
    return path


def orders_xlsx(path: Path, header: list[str], orders: list[Ord]) -> Path:
    return xlsx(path, header, [[order_value(h, o).lstrip("'") for h in header] for o in orders])


def items_xlsx(path: Path, header: list[str], items: list[Line]) -> Path:
    return xlsx(path, header, [[item_value(h, i) for h in header] for i in items])
