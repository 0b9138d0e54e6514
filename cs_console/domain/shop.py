"""The shop's policy as typed data (``data/shop.yaml``). Defaults are DOMAIN.md's."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from cs_console.domain.followups import FollowupSettings
from cs_console.domain.kpi import ResponseThresholds
from cs_console.domain.report import ReportSettings


class ShopKind(StrEnum):
    """集市店 (C-shop) may change item prices and postage; 商城店 (Tmall) postage only."""

    C_SHOP = "c_shop"
    TMALL = "tmall"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ShopInfo(Strict):
    """Who the shop is."""

    name: str = "小棉袄母婴服饰"
    kind: ShopKind = ShopKind.C_SHOP
    timezone: str = Field("Asia/Shanghai", description="times are shown in this zone")


class PhraseSettings(Strict):
    """Phrases the desk itself sends."""

    please_wait: str = Field(
        "亲，您好！客服正在为您处理，请您稍等片刻，马上回复您～",
        description="接一、待二、招呼三: the polite 'please wait' sent to a waiting buyer",
    )


class ShopPolicy(Strict):
    """Everything in ``data/shop.yaml``."""

    shop: ShopInfo = ShopInfo()
    response: ResponseThresholds = ResponseThresholds()
    phrases: PhraseSettings = PhraseSettings()
    followups: FollowupSettings = FollowupSettings()
    reports: ReportSettings = ReportSettings()
