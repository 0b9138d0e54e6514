"""Column lengths enforced before the database sees a value, the same on every backend.

PostgreSQL refuses a string longer than its ``VARCHAR(n)`` in the middle of a transaction
(``value too long for type character varying(64)``, a traceback before this module); SQLite keeps
it silently, and the row then breaks a PostgreSQL peer on sync. A ``before_flush`` hook checks
every new or changed ORM row against its columns and refuses with a Chinese reason naming the
field (``ValueRefused``), so the transaction rolls back and nothing is half-written.
"""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlmodel import Session

from cs_console.domain.limits import ValueRefused

# column name → what the user calls it (the table name is added when unknown)
FIELD_LABELS = {
    "name": "客服名", "agent": "客服名", "author": "客服名", "by": "客服名", "created_by": "客服名",
    "closed_by": "客服名", "decided_by": "客服名", "nick": "买家昵称", "buyer_nick": "买家昵称",
    "order_no": "订单号", "reason": "原因", "note": "备注", "tags": "标签", "filter": "筛选条件",
    "return_tracking_no": "退货运单号", "tracking_no": "运单号", "courier": "快递公司", "code": "编码",
    "key": "编号", "title": "标题", "colour": "颜色", "size": "尺码", "province": "省份", "city": "城市",
}


def _check(session: Session, _flush_context, _instances) -> None:
    for obj in (*session.new, *session.dirty):
        try:
            mapper = inspect(obj).mapper
        except Exception:  # noqa: BLE001 - not a mapped object
            continue
        for column in mapper.columns:
            length = getattr(column.type, "length", None)  # String and SQLModel's AutoString
            if not isinstance(length, int) or length <= 0:
                continue
            value = getattr(obj, column.key, None)
            if isinstance(value, str) and len(value) > length:
                what = FIELD_LABELS.get(column.key, f"{mapper.local_table.name}.{column.key}")
                raise ValueRefused("text.too_long", what=what, limit=length, length=len(value))


def install() -> None:
    """Hook every Session (idempotent)."""
    if not event.contains(Session, "before_flush", _check):
        event.listen(Session, "before_flush", _check)
