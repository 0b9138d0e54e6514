"""Builders of 淘宝助理 goods files exactly as FORMATS.md describes them (for tests and the demo).

Line 1 ``version 1.00``, line 2 English names, line 3 Chinese names, data from line 4;
tab-separated, LF, text fields quoted with ``""`` escaping; UTF-16LE with BOM by default.
"""

from __future__ import annotations

from cs_console.domain.goods.taobao_csv import LAYOUTS

CHINESE = {
    "title": "宝贝名称", "cid": "宝贝类目", "seller_cids": "店铺类目", "stuff_status": "新旧程度", "location_state": "省",
    "location_city": "城市", "item_type": "出售方式", "price": "宝贝价格", "auction_increment": "加价幅度",
    "num": "宝贝数量", "valid_thru": "有效期", "freight_payer": "运费承担", "post_fee": "平邮", "ems_fee": "EMS",
    "express_fee": "快递", "has_invoice": "发票", "has_warranty": "保修", "approve_status": "放入仓库",
    "has_showcase": "橱窗推荐", "list_time": "开始时间", "description": "宝贝描述", "cateProps": "宝贝属性",
    "postage_id": "邮费模版ID", "has_discount": "会员打折", "modified": "修改时间", "upload_fail_msg": "上传状态",
    "picture_status": "图片状态", "auction_point": "返点比例", "picture": "新图片", "video": "视频",
    "skuProps": "销售属性组合", "inputPids": "用户输入ID串", "inputValues": "用户输入名-值对", "outer_id": "商家编码",
    "propAlias": "销售属性别名", "auto_fill": "代充类型", "num_id": "数字ID", "local_cid": "本地ID",
    "navigation_type": "宝贝分类", "user_name": "用户名称", "syncStatus": "宝贝状态",
    "is_lighting_consigment": "闪电发货", "is_xinpin": "新品", "foodparame": "食品专项", "features": "尺码库",
    "buyareatype": "采购地", "global_stock_type": "库存类型", "global_stock_country": "国家地区",
    "sub_stock_type": "库存计数", "item_size": "物流体积", "item_weight": "物流重量", "sell_promise": "退换货承诺",
    "custom_design_flag": "定制工具", "wireless_desc": "无线详情", "barcode": "商品条形码", "sku_barcode": "sku 条形码",
    "newprepay": "7天退货", "subtitle": "宝贝卖点", "cpv_memo": "属性值备注", "input_custom_cpv": "自定义属性值",
    "qualification": "商品资质", "add_qualification": "增加商品资质", "o2o_bind_service": "关联线下服务",
    "tmall_extend": "tmall扩展字段", "product_combine": "产品组合", "tmall_item_prop_combine": "tmall属性组合",
    "taoschema_extend": "taoschema扩展字段",
}
# columns the tool writes as quoted text (numbers and flags are bare)
TEXT = {"title", "seller_cids", "location_state", "location_city", "description", "cateProps", "picture", "video",
        "skuProps", "inputPids", "inputValues", "outer_id", "propAlias", "user_name", "features", "item_size",
        "wireless_desc", "barcode", "sku_barcode", "subtitle", "cpv_memo", "input_custom_cpv", "qualification",
        "foodparame", "list_time", "modified", "upload_fail_msg", "sell_promise", "global_stock_country"}
DEFAULTS = {"cid": "50012345", "stuff_status": "1", "location_state": "浙江", "location_city": "杭州", "item_type": "1",
            "auction_increment": "0", "valid_thru": "7", "freight_payer": "2", "post_fee": "8.420000",
            "ems_fee": "15.770000", "express_fee": "12.000000", "has_invoice": "0", "has_warranty": "0",
            "approve_status": "1", "has_showcase": "0", "description": "<p>纯棉面料</p>\n<p>\"A类\"婴幼儿标准</p>",
            "postage_id": "0", "has_discount": "0", "picture": "a1b2c3:1:0:|https://img.example/1.jpg;",
            "num_id": "0", "syncStatus": "1", "sub_stock_type": "2", "item_size": "bulk:0.000000",
            "item_weight": "0.000", "newprepay": "1", "qualification": "%7B%20%20%7D", "add_qualification": "0",
            "o2o_bind_service": "0"}


def _cell(column: str, value: str) -> str:
    if column in TEXT:
        return '"' + value.replace('"', '""') + '"'
    return value


def goods_file(rows: list[dict[str, str]], columns: int = 67, encoding: str = "utf-16-le",
               mojibake_line3: bool = False) -> bytes:
    """The bytes of a goods file of the given column version and encoding."""
    names = LAYOUTS[columns][1]
    chinese = "\t".join(CHINESE[n] for n in names)
    if mojibake_line3:  # what a non-Chinese Windows makes of the Chinese names
        chinese = chinese.encode("gbk").decode("latin-1")
    lines = ["version 1.00", "\t".join(names), chinese]
    for row in rows:
        values = {**DEFAULTS, **row}
        if "input_custom_cpv" not in names:  # before 2015 the seller's own values were aliases
            values["propAlias"] = values.get("propAlias", "") + values.pop("input_custom_cpv", "")
        lines.append("\t".join(_cell(n, values.get(n, "")) for n in names))
    text = "\n".join(lines) + "\n"
    if encoding == "utf-16-le":
        return b"\xff\xfe" + text.encode("utf-16-le")
    if encoding == "utf-16-be":
        return b"\xfe\xff" + text.encode("utf-16-be")
    return text.encode(encoding)


ROMPER = {  # 2 colours × 3 sizes; a custom colour (雾霾蓝), standard white renamed by alias, a code with "."
    "title": "双胞胎款连体衣 纯棉哈衣", "price": "79.00", "num": "25", "outer_id": "LTY-2026.1", "num_id": "655123456789",
    "postage_id": "21001", "item_weight": "0.300", "item_size": "weight:30;breadth:20;height:5",
    "skuProps": ("79.00:10:LTY-BL-80:1627207:-1001;20509:-1001;79.00:0:LTY-BL-90:1627207:-1001;20509:-1002;"
                 "85.00:3:LTY-BL-100:1627207:-1001;20509:-1003;79.00:5::1627207:28320;20509:-1001;"
                 "79.00:4:LTY.W.90:1627207:28320;20509:-1002;85.00:3:LTY-W-100:1627207:28320;20509:-1003;"),
    "propAlias": "1627207:28320:奶白;",
    "input_custom_cpv": "1627207:-1001:蓝色;20509:-1001:80cm;20509:-1002:90cm;20509:-1003:100cm;",
    "sku_barcode": "6901000000011;6901000000028;6901000000035;6901000000042;6901000000059;6901000000066;",
    "cateProps": "20000:29534;1627207:-1001;1627207:28320;20509:-1001;20509:-1002;20509:-1003;",
}
SOCKS = {  # standard sizes S/M/L and black/white, stock that does not add up (num 40, SKUs 36)
    "title": "宝宝袜子三双装", "price": "19.90", "num": "40", "outer_id": "WZ-03", "num_id": "655123450001",
    "postage_id": "0", "item_weight": "0.080", "item_size": "bulk:0.000500",
    "skuProps": ("19.90:10:WZ-03-BK-S:1627207:28341;20509:28314;19.90:10:WZ-03-BK-M:1627207:28341;20509:28315;"
                 "19.90:16:WZ-03-WH-L:1627207:28320;20509:28316;"),
    "sku_barcode": "6902000000010;6902000000027;6902000000034;",
}
HAT = {"title": "新生儿帽子 均码", "price": "25.00", "num": "12", "outer_id": "MZ-01", "num_id": "0",
       "skuProps": "25.00:12::1627207:28320;20509:28383;", "item_weight": "", "item_size": ""}
