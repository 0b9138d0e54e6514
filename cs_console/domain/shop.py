"""The shop's policy as typed data (``data/shop.yaml``). Defaults are DOMAIN.md's."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cs_console.domain.identity import IdentitySettings
from cs_console.domain.shifts import ShiftSettings


class SyncSettings(BaseModel):
    """Optional periodic sync of the handover book with a peer store (``data/shop.yaml`` → ``sync``)."""

    model_config = ConfigDict(extra="forbid")

    peer: str | None = Field(None, description="another store: SQLite path or postgresql:// URL")
    every_seconds: int = Field(0, ge=0, description="0 = no periodic sync")


class ShopKind(StrEnum):
    """集市店 (C-shop) may change item prices and postage; 商城店 (Tmall) postage only."""

    C_SHOP = "c_shop"
    TMALL = "tmall"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResponseThresholds(Strict):
    """First-response thresholds in seconds (``data/shop.yaml`` → ``response``)."""

    best: int = Field(20, ge=1, description="best response, seconds")
    standard: int = Field(30, ge=1, description="the shop's standard, seconds (30 or 60)")
    warning: int = Field(60, ge=1, description="over this counts towards the bonus rule")
    breach: int = Field(200, ge=1, description="one wait over this costs the bonus")
    warnings_allowed_per_day: int = Field(3, ge=0, description="waits over `warning` tolerated a day")

    @model_validator(mode="after")
    def _ordered(self) -> ResponseThresholds:
        if not (self.best <= self.standard <= self.warning <= self.breach):
            raise ValueError("响应时间须满足 best ≤ standard ≤ warning ≤ breach")
        return self


class TeamSettings(Strict):
    """``data/shop.yaml`` → ``team``: distribution (分流), heartbeats, breaches, broadcast limits."""

    capacity: int = Field(8, ge=1, le=500, description="default open chats per agent before new ones queue")
    heartbeat_seconds: int = Field(5, ge=1, description="a running TUI refreshes its agent's heartbeat this often")
    stale_after_seconds: int = Field(30, ge=3, description="an agent whose heartbeat is older is taken offline")
    reassign_breached: bool = Field(False, description="move a chat waiting past the breach threshold to another agent")
    broadcast_per_hour: int = Field(200, ge=1, description="at most this many broadcast messages per hour, whole shop")
    broadcast_max_recipients: int = Field(100, ge=1, description="at most this many buyers in one broadcast")
    broadcast_buyer_cooldown_hours: int = Field(24, ge=0, description="a buyer gets at most one broadcast in this window")


class ShopInfo(Strict):
    """Who the shop is."""

    name: str = "小棉袄母婴服饰"
    kind: ShopKind = ShopKind.C_SHOP
    timezone: str = Field("Asia/Shanghai", description="times are shown in this zone")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        """An IANA zone this machine knows (``Asia/Shanghai``); a typo is a FILE:LINE error at
        load, not a traceback the first time a time is shown."""
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"未知的时区「{v[:40]}」（例如 Asia/Shanghai）") from None
        return v


class PhraseSettings(Strict):
    """Phrases the desk itself sends."""

    please_wait: str = Field(
        "亲，您好！客服正在为您处理，请您稍等片刻，马上回复您～",
        description="接一、待二、招呼三: the polite 'please wait' sent to a waiting buyer",
    )


class OrderSettings(Strict):
    """Orders panel and importer (``orders`` in ``data/shop.yaml``)."""

    flag_convention: str = Field("warehouse", description="a convention in data/flags.yaml")
    close_reasons: list[str] = Field(
        ["买家不想买了", "信息填写错误，重新拍", "买家拍错了", "卖家缺货", "同城见面交易", "其他原因"],
        min_length=1, description="reasons offered when closing an order or an item")
    extend_receipt_days: list[int] = Field([3, 5, 7, 10], min_length=1,
                                           description="days the receipt deadline may be extended by")
    max_receipt_extensions: int = Field(1, ge=0, description="extensions allowed per order")
    confirm_price_cut_share: Decimal = Field(
        Decimal("0.20"), ge=0, le=1, decimal_places=2,
        description="a price cut of more than this share of the listing price asks for confirmation "
                    "(every increase asks)")


class PostageSettings(Strict):
    """The postage calculator (计算器): where its rates table lives."""

    rates_file: str = Field("postage.yaml", description="rates table, relative to the data dir")
    freight_file: str = Field("freight.yaml", description="freight templates + courier rate cards (weight-based postage)")


class FollowupSettings(Strict):
    """``data/shop.yaml`` → ``followups``."""

    unpaid_after_minutes: int = Field(30, ge=0, description="an unpaid order older than this needs a reminder")
    left_after_minutes: int = Field(
        30, ge=1, description="a buyer still waiting this long after the last message has left (unserved)")
    contacted_flag: Literal["grey", "red", "blue", "yellow", "green", "purple"] | None = Field(
        None, description="alternative flag convention: set this flag on an unpaid order once contacted "
                          "(None: the default convention does not flag contacted orders)")
    unpaid_reply_code: str = Field(
        "cf", description="quick reply (快捷短语 code) used as the unpaid reminder; the text below if missing")
    review_reply_code: str = Field(
        "cp", description="quick reply used for the bad-review follow-up; the text below if missing")
    unpaid_reminder: str = Field(
        "亲，您好！看到您拍下了{items}还没有付款哦，库存有限，付款后我们会尽快为您发货～",
        description="draft for the unpaid-order reminder (until a quick reply takes over)")
    review_followup: str = Field(
        "亲，您好！看到您对订单{order_no}的评价，非常抱歉给您带来不好的体验，请问具体是哪里不满意呢？我们一定为您处理好～",
        description="draft for the bad-review follow-up")


class ReportSettings(Strict):
    """``data/shop.yaml`` → ``reports``."""

    conversion_window_hours: int = Field(
        24, ge=1, description="a buyer converts when they pay an order within this many hours of chatting")


class ShopPolicy(Strict):
    """Everything in ``data/shop.yaml``."""

    shop: ShopInfo = ShopInfo()
    response: ResponseThresholds = ResponseThresholds()
    phrases: PhraseSettings = PhraseSettings()
    team: TeamSettings = TeamSettings()
    orders: OrderSettings = OrderSettings()
    postage: PostageSettings = PostageSettings()
    shifts: ShiftSettings = ShiftSettings()
    sync: SyncSettings = SyncSettings()
    followups: FollowupSettings = FollowupSettings()
    reports: ReportSettings = ReportSettings()
    identity: IdentitySettings = IdentitySettings()
