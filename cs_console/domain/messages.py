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
    "store.failed": "存储出错，没有保存；详情已记入日志 {log}",
    "store.append_only": "{table} 只能追加，不能修改或删除",
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
    "team.agent_name_too_long": "客服名最多 {limit} 个字（现在 {length} 个）",
    "broadcast.unpaid_hours": "unpaid:小时数 须为 1–720 的整数，现在是「{value}」",
    "broadcast.needs_value": "{kind}: 需要一个值，例如 {example}",
    "broadcast.unknown_filter": "未知的筛选条件「{spec}」；请用 unpaid[:小时]、item:文字 或 tag:标签",
    "broadcast.unknown_placeholder": "未知的占位符：{names}",
    "replies.no_code": "没有编码为 {code} 的快捷短语",
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
