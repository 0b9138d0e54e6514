"""The one message catalogue: every refusal a user sees, in Chinese, keyed by a stable code.

Domain and service code raises a :class:`UserError` subclass with a *code* and *parameters*
(``OrderRefused("order.price_negative")``, ``HandoverError("handover.no_note", ref=…)``); the
text comes from :data:`MESSAGES`. The CLI prints it, the TUI shows it, and the error log
(``services/errors.py``) records only the code and the parameter names, never their values
(they may hold a buyer's name, phone or a draft).

A plain sentence (already Chinese, e.g. a ``FILE:LINE: reason`` problem) may still be raised as
``UserError("…")``; it is shown as it is and logged as code ``text``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MESSAGES: dict[str, str] = {
    # ---- generic --------------------------------------------------------------------------
    "internal": "内部错误，没有保存任何更改；详情已记入日志 {log}",
    "store.busy": "存储正忙（另一个程序正在写入），没有保存；请稍后重试",
    "store.read_only": "存储是只读的，没有保存",
    "store.disk_full": "磁盘已满，没有保存",
    "store.unreachable": "无法连接存储，没有保存；请检查网络或数据库",
    "store.too_long": "有内容超出存储允许的长度或范围，没有保存",
    "store.conflict": "与已有数据冲突，没有保存",
    "store.slow": "存储响应太慢，请稍后重试",
    "store.failed": "存储出错，没有保存；详情已记入日志 {log}",
    "store.append_only": "{table} 只能追加，不能修改或删除",
    "store.cannot_open": "无法打开存储 {location}：{reason}",
    "store.cannot_read": "无法读取存储 {location}：{reason}",
    "store.cannot_init": "无法初始化存储 {location}：{reason}",
    "store.login_first": "请先登录：数据库 {location} 需要客服自己的账号（cs-console login）",
    "store.newer_version": ("存储 {location} 的结构版本是 {found}，由更新的 cs-console（newer cs-console）写入；"
                            "本版本最多支持 {supported}。请升级 cs-console；存储没有被改动。"),
    "store.attach_failed": "无法同时打开 {path}：{reason}",
    # the desk's header while the store is in trouble (short: it sits beside the agent's name)
    "health.busy": "数据库忙",
    "health.read_only": "只读",
    "health.disk_full": "磁盘已满",
    "health.offline": "离线",
    "health.kept": "草稿已保存在本机，恢复后自动写回",
    "health.read_only_desk": "存储是只读的：可以查看，不能回复或保存",
    "health.unavailable_desk": "无法读取存储（{state}）；正在重试…",
    "input.too_deep": "内容嵌套过深，无法读取",
    "input.too_large": "内容过大，无法读取",
    "input.number_too_large": "数字太大，没有保存任何更改",
    "file.unreadable": "无法读取文件 {path}：{reason}",
    "file.unwritable": "无法写入文件 {path}：{reason}",
    "text.too_long": "{what}最多 {limit} 个字（现在 {length} 个）",
    "text.empty": "{what}不能为空",
    "interrupted": "已中断",
    # ---- the command line's own usage errors (Click's words, shown in Chinese) -------------
    "cli.error": "错误：{text}",
    "cli.try_help": "运行 {command} {option} 查看帮助。",
    "cli.no_such_option": "没有这个选项：{name}",
    "cli.possible_options": "（可选：{choices}）",
    "cli.no_such_command": "没有这个命令：{name}",
    "cli.did_you_mean": "（是不是：{choices}？）",
    "cli.missing_argument": "缺少参数 {name}",
    "cli.missing_option": "缺少选项 {name}",
    "cli.missing_value": "缺少 {name}",
    "cli.invalid_value": "{name} 的值无效：{reason}",
    "cli.extra_arguments": "多余的参数：{args}",
    "cli.option_needs_value": "选项 {name} 需要一个值",
    "cli.option_needs_values": "选项 {name} 需要 {count} 个值",
    "cli.not_integer": "应为整数",
    "cli.not_number": "应为数字",
    "cli.not_boolean": "应为 是/否（true/false、1/0）",
    "cli.at_least": "不能小于 {limit}",
    "cli.more_than": "必须大于 {limit}",
    "cli.at_most": "不能大于 {limit}",
    "cli.less_than": "必须小于 {limit}",
    "cli.not_a_choice": "只能是：{choices}",
    "cli.bad_value": "格式不对",
    "cli.usage_error": "命令用法不对",
    "cli.aborted": "已取消",
    "tui.read_failed": "暂时无法读取{what}：{reason}（存储恢复后下次变化时会重新读取）",
    "tui.write_failed": "{what}未保存：{reason}",
    "os.ENOENT": "文件不存在",
    "os.EACCES": "没有权限",
    "os.EPERM": "没有权限",
    "os.EISDIR": "这是一个文件夹，不是文件",
    "os.ENOTDIR": "路径中有一段不是文件夹",
    "os.ENOSPC": "磁盘已满",
    "os.EROFS": "文件系统是只读的",
    "os.other": "系统错误（{name}）",
    # ---- money, quantities, line numbers ----------------------------------------------------
    "money.invalid": "不是有效金额：{text}（请用半角数字，最多两位小数，如 59 或 12.50）",
    "money.too_many_decimals": "金额最多两位小数：{text}",
    "money.too_large": "金额过大：{text}（最多 {limit}）",
    "money.negative": "金额不能为负：{text}",
    "money.float": "金额不能是浮点数",
    "quantity.invalid": "数量须为正整数（半角数字）：{text}",
    "quantity.range": "数量须在 1–{limit} 之间：{text}",
    "line.range": "商品行号须在 1–{limit} 之间：{line}",
    # ---- orders ----------------------------------------------------------------------------
    "order.unknown_state": "未知的订单状态「{value}」（可选：{choices}）",
    "order.tmall_price": "商城店（天猫）不能改商品价格，只能改运费",
    "order.refused_paid": "买家已付款的订单不能{what}；请写进备注",
    "order.refused_shipped": "已发货的订单不能{what}；只能查看物流或延长收货",
    "order.refused_success": "交易成功的订单只能查看，不能{what}",
    "order.refused_closed": "已关闭的订单只能查看，不能{what}",
    "order.refused_unpaid": "等待付款的订单在付款前不能{what}",
    "order.reason_required": "{what}需要填写原因",
    "order.price_negative": "商品价格不能低于 0",
    "order.postage_negative": "运费不能为负",
    "order.close_reason": "关闭原因须是以下之一：{choices}",
    "order.total_negative": "订单金额不能低于 0",
    "order.extend_days": "收货期限只能延长 {choices} 天，不能是 {days} 天",
    "order.extend_limit": "收货期限已延长 {count} 次，最多 {limit} 次",
    "order.line_closed": "第 {line} 行商品已关闭",
    "order.price_unchanged": "第 {line} 行商品已经是 {price}",
    "order.postage_unchanged": "运费已经是 {postage}",
    "order.flag_needs_remark": "设旗需要写备注：其他部门要做什么",
    "order.flag_unchanged": "旗帜和备注都没有变化",
    "order.last_line": "第 {line} 行是订单最后一件未关闭的商品；请关闭整个订单",
    "order.no_open_chat": "买家 {buyer} 没有打开的会话，无法发送核对信息",
    "order.not_found": "没有订单 {order_no}",
    "order.no_line": "订单 {order_no} 没有第 {line} 行商品",
    # ---- the seller backend's export (订单报表 / 宝贝报表): one row's or one file's reason ----------
    "import.too_long": "{what}有 {length} 个字（最多 {limit} 个）",
    "import.missing": "缺少{what}",
    "import.bad_number": "{what}看不懂：「{value}」（只能是半角字母和数字，最多 {limit} 位）",
    "import.unknown_state": "未知的订单状态「{value}」",
    "import.bad_time": "看不懂的时间「{value}」",
    "import.time_range": "时间超出范围（1990–2100 年）：「{value}」",
    "import.amount_too_large": "{what}过大：「{value}」（最多 {limit}）",
    "import.bad_amount": "{what}不是有效金额：「{value}」",
    "import.bad_quantity": "购买数量须为 1–{limit} 的整数：「{value}」",
    "import.repeated_order": "订单 {order_no} 与第 {first} 行重复",
    "import.repeated_item": "这一行宝贝与第 {first} 行重复（会多出一行订单商品）",
    "import.unlinked_item": "订单 {order_no} 既不在订单报表里，也不在存储里",
    "import.no_rows": "没有任何可以导入的行",
    "import.is_items_file": "这是宝贝报表；请先给订单报表，宝贝报表放在它后面",
    "import.is_orders_file": "这是订单报表，不是宝贝报表",
    "import.missing_columns": "缺少必需的列：{columns}",
    "import.cannot_read": "无法读取：{reason}",
    "import.old_xls": "这是旧的二进制 .xls 文件：请先另存为 .xlsx 或 CSV",
    "import.empty_file": "文件是空的",
    "import.bad_header": "表头无法读取：{reason}",
    "import.short_row": "这一行有 {count} 列，表头有 {width} 列（行被截断或错位）",
    "import.long_row": "这一行有 {count} 列，表头有 {width} 列（行错位，或有没加引号的逗号）",
    "import.no_data": "表头之后没有数据行",
    "import.bad_xlsx": "不是可以读取的 xlsx 文件（{kind}）",
    "import.bad_xlsx_row": "xlsx 的这一行无法读取（{kind}）",
    "import.not_encoding": "不是 {encoding} 编码的文本",
    "import.not_text": "既不是 UTF-8 也不是 GBK/GB18030 编码的文本",
    "import.cell_too_long": "有一个单元格超过 {limit} 个字",
    "import.unclosed_quote": "引号打开后没有关上（文件被截断了？）",
    "import.stray_quote": "字段里的引号没有写成两个（\"\"），或引号字段后面还有文字",
    "import.csv": "CSV 格式错误，无法继续读取",
    "import.refused": "{count} 处问题；没有导入任何内容",
    "import.refused_hint": "{count} 处问题；没有导入任何内容（用 --skip-bad 只导入没有问题的行）",
    "import.more": "…… 还有 {count} 处",
    "import.layout": "{file}：{layout}，编码 {encoding}",
    "import.ignored_columns": "{file}：忽略了不认识的列：{columns}",
    "import.skipped": "已跳过 {problem}",
    "import.done": "新导入 {imported} 单，更新 {updated} 单，商品行 {items} 行，跳过 {rejected} 行",
    # ---- config files (YAML, rate cards) --------------------------------------------------------
    "config.cannot_read": "无法读取：{reason}",
    "config.not_utf8": "不是 UTF-8 编码的文本",
    "config.yaml_syntax": "YAML 语法错误（第 {column} 列）",
    "config.yaml_duplicate": "YAML 里有重复的键",
    "config.yaml_other": "YAML 无法读取",
    "config.invalid": "值无效",
    "config.not_phrase_file": "不是快捷短语文件（应有一个 phrases: 列表）",
    "config.phrases_not_list": "phrases 不是列表",
    # ---- freight templates, rate cards and the postage table ----------------------------------
    "freight.measure_type": "应为数字，如 1 或 0.5",
    "freight.measure_invalid": "不是数字：{value}",
    "freight.measure_positive": "须大于 0：{value}",
    "freight.free_needs_condition": "包邮条件需要 min_amount（满多少元）和/或 min_count（满多少件）",
    "freight.region_no_areas": "regions[{index}]：请列出地区（全国默认那一行写在 default）",
    "freight.region_overlap": "regions[{index}]：{province} 已在 regions[{first}] 里",
    "freight.volumetric_weight_only": "volumetric_divisor（体积重除数）只适用于按重量计的模板",
    "freight.unknown_default": "default_template「{value}」不在 templates 里（可选：{choices}）",
    "freight.unknown_card_courier": "rate_cards.{code}：未知快递（可选：{choices}）",
    "freight.unknown_area": "未知省份或区域「{value}」",
    "postage.amount_type": "应为金额，如 12 或 12.50",
    "postage.unknown_partner": "partner「{value}」不在 couriers 里（可选：{choices}）",
    "postage.no_markup_courier": "rules.no_markup：未知快递「{value}」",
    "postage.province_repeats": "provinces：「{name}」与「{first}」是同一个省份",
    "postage.fee_courier": "provinces.{name}.fees：未知快递「{value}」",
    "postage.courier_name_twice": "couriers：名称「{alias}」同时属于「{first}」和「{code}」",
    "postage.empty_item": "商品行为空：请输入 价格x数量，如 59x2 包邮",
    "postage.bad_free_flag": "看不懂 {value}：包邮请写 :free 或 包邮",
    "postage.bad_item": "看不懂商品行 {value}：请输入 价格x数量，如 59x2 包邮",
    "postage.measure_positive": "重量/体积须大于 0：{value}",
    "postage.bad_price": "价格无效：{reason}",
    "postage.price_negative": "价格不能为负：{value}",
    "postage.price_decimals": "价格最多两位小数：{value}",
    "postage.quantity": "数量须为 1–{limit} 的整数：{value}",
    "postage.no_items": "请至少输入一件商品",
    "postage.bad_actual_fee": "实际运费无效：{value}",
    "postage.addresses": "地址数须在 1–{limit} 之间：{value}",
    "postage.pickup_city": "只支持{city}自提（城市填 {city}）",
    "postage.pickup_one_address": "自提只有一个取货地点",
    "postage.no_province": "请填写收货省份",
    "postage.unknown_province_fee": "未知省份：{value}（请检查省份，或手动输入{what}）",
    "postage.no_fee": "运费表里没有{courier}发{province}的{what}，请手动输入",
    "postage.unknown_courier": "未知快递：{value}；可选 {choices}",
    "postage.bad_goods_ref": "看不懂商品编码：请输入 @商家编码 x数量，如 @LTY-SB01-BL90 x2",
    "freight.no_volume": "{items} 没有体积（商品资料里也没有）：请输入体积，如 59x2 0.002m3",
    "freight.no_weight": "{items} 没有重量（商品资料里也没有）：请输入重量，如 59x2 0.3kg",
    "freight.unknown_province": "未知省份：{value}",
    "freight.no_template": "{item} 没有运费模板（商品资料的邮费模版ID为 0，且 freight.yaml 没有 default_template）",
    "freight.template_missing": "{item} 的运费模板 {template} 不在运费模板文件里",
    "rate_card.not_weight": "不是重量：{value}",
    "rate_card.weight_positive": "重量须大于 0：{value}",
    "rate_card.empty": "文件是空的",
    "rate_card.missing_columns": "缺少列 {columns}（表头应为 区域,首重,续重[,首重重量][,续重单位]）",
    "rate_card.zone_repeats": "{zone} 已在第 {line} 行",
    "rate_card.no_zones": "没有任何区域",
    "rate_card.no_zone": "{courier}价目表里没有{province}",
    # ---- chats and team ---------------------------------------------------------------------
    "chat.no_buyer": "没有买家 {nick}",
    "chat.no_chat": "没有会话 {chat_id}",
    "chat.no_open_chat": "买家 {buyer} 没有打开的会话",
    "chat.ended": "这个会话已结束；买家的下一条消息会开启新的会话",
    "team.no_agent": "没有客服 {name}（用 cs-console agents add 名字 --role 角色 添加）",
    "team.no_agent_id": "没有编号为 {agent_id} 的客服",
    "team.no_hangup": "没有挂起申请 {request_id}",
    "team.unknown_role": "未知的角色「{value}」（可选：{choices}）",
    "team.capacity": "接待上限至少为 1",
    "team.move_not_queued": "这个会话已有客服接待，不能再从队列分配",
    "team.claim_for_another": "只能自己接待排队的会话",
    "team.move_bad": "无效的会话分配",
    "team.requeue_other": "只能把自己的会话退回队列（已离线客服的会话除外）",
    "team.takeover_needs_supervisor": "只有主管可以接手其他客服的会话",
    "team.forward_to_self": "不能转发给自己",
    "team.forward_not_yours": "只能转发自己接待的会话",
    "team.reassign_needs_supervisor": "只有主管可以改派其他客服的会话",
    "team.breach_to_self": "超时改派不能派给自己（主管除外）",
    "team.breach_not_waiting": "这个会话没有在超时等待，不能改派",
    "team.move_by_other": "分配记录只能署自己的名字",
    "team.broadcast_not_yours": "只能以自己的名义群发，每位买家一次",
    "team.forward_offline": "只能转发给在线的同事",
    "team.broadcast_too_many": "一次群发的买家数超过了本店的上限，请缩小范围",
    "team.broadcast_rate": "超过本店的群发频率限制（每小时条数），请稍后再发",
    "team.broadcast_cooldown": "有买家在冷却时间内已收到过群发，不能再发",
    "team.agent_name_too_long": "客服名最多 {limit} 个字（现在 {length} 个）",
    "broadcast.unpaid_hours": "unpaid:小时数 须为 1–720 的整数，现在是「{value}」",
    "broadcast.needs_value": "{kind}: 需要一个值，例如 {example}",
    "broadcast.unknown_filter": "未知的筛选条件「{spec}」；请用 unpaid[:小时]、item:文字 或 tag:标签",
    "broadcast.unknown_placeholder": "未知的占位符：{names}",
    "channel.webhook_url": "webhook 渠道需要 --webhook http(s)://… 地址",
    "channel.attempts": "重试次数须在 1–50 之间",
    "channel.broadcast_rate": "群发速率须在每分钟 1–6000 条之间",
    "channel.text_only": "目前只接收文字消息",
    "channel.exists": "渠道「{name}」已经存在",
    "channel.supervisor_only": "只有主管可以修改渠道（{name} 不是主管）",
    "channel.one_kind": "请在 --web、--webhook 地址、--pull 中选且只选一个",
    "channel.not_failed": "消息 {message_id} 不是发送失败的渠道回复",
    "channel.created": "已创建渠道 {name}（{kind}）",
    "channel.token_once": "API 令牌（只显示这一次）：{token}",
    "channel.secret_once": "webhook 签名密钥（只显示这一次）：{secret}",
    "channel.buyer_page": "买家页面：/chat/{name}",
    "channel.revoked": "已停用渠道 {name}",
    "channel.queued_again": "消息 {message_id} 已重新排队发送",
    "phrases.no_content": "快捷回复没有文字内容",
    "phrases.empty": "快捷短语是空的",
    "phrases.too_long": "快捷短语有 {length} 个字（最多 {limit} 个）",
    "phrases.group_too_long": "分组「{group}…」超过 32 个字",
    "phrases.not_gbk": "快捷短语 /{code}：字符 {char} 无法写成 GBK（千牛读取 GBK）",
    "phrases.unknown_format": "未知的格式「{value}」（可选：{choices}）",
    "phrases.not_phrase_file": "不是快捷短语文件：第一行是「{first}」，应为 {qianniu}（千牛）、{variant} 或 Chatwoot JSON",
    "phrases.bad_csv": "CSV 无法读取",
    "phrases.bad_json": "不是有效的 JSON（第 {column} 列）",
    "phrases.not_list": "应为快捷回复的列表（{short_code, content}）",
    "phrases.unclosed_quote": "这一行打开的引号一直没有关上",
    "phrases.bad_row": "这一行 CSV 无法读取",
    "phrases.row_width": "这一行有 {count} 列，应为 3 列（编码、短语、分组）",
    "phrases.line_break": "短语里有换行（这种格式把换行写成 &#13;）：这里打开的引号没有在应有的地方关上",
    "phrases.code_conflict": "编码「{code}」已在第 {line} 行用于另一条短语",
    "phrases.not_text": "既不是 UTF-8 也不是 GBK/GB18030 编码的文本",
    "phrases.check_ok": "{path}：没有问题，{phrases} 条短语，{groups} 个分组",
    "phrases.into": "--into 只能是 team（或用 --agent 名字），不能是「{value}」",
    "phrases.on_conflict": "--on-conflict 只能是 {choices}，不能是「{value}」",
    "phrases.format": "--format 只能是 {choices}，不能是「{value}」",
    "broadcast.dry_run": "将发送 {count} 条（演练，没有发送）",
    "chat.no_chat_of": "买家 {buyer} 没有会话",
    "channel.unknown": "没有渠道 {name}",
    "channel.revoked_refused": "渠道已停用",
    "channel.bad_name": "渠道名须为 1–32 个字符（a-z 0-9 _ -），以字母或数字开头",
    "channel.bad_order_no": "订单号须为 1–40 个字母、数字、- 或 _",
    "channel.bad_id": "编号须为 1–128 个可打印的 ASCII 字符，不含空格",
    "channel.empty_text": "消息内容不能为空",
    "channel.text_too_long": "消息内容超过 {limit} 个字",
    "replies.no_code": "没有编码为 {code} 的快捷短语",
    "replies.not_expanded": "快捷短语 /{code} 没有展开：{reason}（草稿保持原样）",
    # ---- flags -----------------------------------------------------------------------------
    "flag.unknown_colour": "未知的旗帜颜色「{colour}」（可选：{choices}）",
    "flag.grey": "灰旗表示没有旗帜；请选一个含义合适的颜色",
    "flag.undefined": "{colour}在「{convention}」约定里没有含义；可选：{choices}",
    "flag.unknown_convention": "未知的旗帜约定「{name}」（可选：{choices}）",
    # ---- handover book ---------------------------------------------------------------------
    "handover.no_agent": "客服名不能为空",
    "handover.empty_text": "交接内容不能为空",
    "handover.text_too_long": "交接内容过长（{length} > {limit} 个字）",
    "handover.unknown_priority": "未知的优先级「{value}」（可选：{choices}）",
    "handover.unknown_shift": "未知的班次「{value}」（可选：{choices}）",
    "handover.already": "交接 {note} 已经是「{state}」（{who}）",
    "handover.already_done": "交接 {note} 已经完成（{who}）",
    "handover.resolution_required": "标记完成需要填写处理结果",
    "handover.nothing_to_change": "没有要修改的内容",
    "handover.not_done": "交接 {note} 还没有完成",
    "handover.short_ref": "请至少输入交接编号的前 4 位",
    "handover.no_note": "没有交接记录 {ref}",
    "handover.ambiguous": "交接编号 {ref} 对应 {count} 条记录；请多输入几位",
    "handover.quarantined": "已隔离 {count} 条无效的交接事件（不显示、不同步）",
    # ---- handover files and sync peers -------------------------------------------------------
    "hfile.json": "不是交接文件：第 {line} 行不是有效的 JSON（{reason}）",
    "hfile.format": "不是交接文件（format 不是 {format}）",
    "hfile.version": "不支持的交接文件版本 {version}（本程序读取版本 {supported}）",
    "hfile.no_events": "交接文件里没有事件列表",
    "hfile.count": "交接文件已损坏：写着 {said} 条事件，实际 {found} 条",
    "hfile.checksum": "交接文件导出后被改动过（校验和不符）；没有导入任何内容",
    "hfile.event": "第 {index} 条事件无效：{reason}；没有导入任何内容",
    "sync.same_store": "{location} 就是本存储（存储编号 {store_id}）",
    "sync.bad_event": "对端存储 {store_id}：事件 {event} 无效，已拒收：{reason}",
    # ---- one handover event (domain validation) ----------------------------------------------
    "event.not_object": "事件不是一个对象",
    "event.missing": "缺少字段 {field}",
    "event.unknown_field": "未知字段 {field}",
    "event.type": "{field} 的类型不对（应为{expected}）",
    "event.uuid": "{field} 不是 UUID",
    "event.kind": "未知的事件类型「{value}」",
    "event.time": "{field} 不是有效时间",
    "event.time_range": "{field} 超出允许的时间范围（{low}–{high} 年）",
    "event.too_long": "{field} 过长（{length} > {limit}）",
    "event.priority": "未知的优先级「{value}」",
    "event.day": "{field} 不是 YYYY-MM-DD 日期",
    "event.data_field": "事件类型 {kind} 不能带字段 {field}",
}


def os_reason(exc: OSError) -> str:
    """An operating-system error in Chinese (its ``strerror`` is English)."""
    import errno

    name = errno.errorcode.get(exc.errno or 0, "")
    return render(f"os.{name}") if f"os.{name}" in MESSAGES else render("os.other", name=name or type(exc).__name__)


def render(code: str, params: Mapping[str, Any] | None = None, /, **kw: Any) -> str:
    """The Chinese text of ``code`` with its parameters (an unknown code is shown as it is)."""
    template = MESSAGES.get(code)
    if template is None:
        return code
    try:
        return template.format(**{**(params or {}), **kw})
    except (KeyError, IndexError, ValueError):
        return template


class UserError(Exception):
    """A refusal a user sees: ``code`` from :data:`MESSAGES` and its parameters.

    ``UserError("order.price_negative")`` takes its text from the catalogue; anything that is
    not a known code is a ready sentence (code ``text``)."""

    def __init__(self, code: str = "", /, **params: Any):
        if code in MESSAGES:
            self.code, self.params = code, dict(params)
        else:
            self.code, self.params = "text", {"text": code, **params}
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.code == "text":
            return str(self.params.get("text", ""))
        return render(self.code, self.params)

    def __str__(self) -> str:
        return self.message
