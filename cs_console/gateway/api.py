"""The bridge API (JSON, ``Authorization: Bearer <channel token>``), documented by OpenAPI at
``/api/v1/openapi.json``."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request
from pydantic import BaseModel, Field

from cs_console.domain.gateway import MAX_TEXT_CHARS, ChannelKind, DeliveryStatus, MessageKind
from cs_console.services.gateway import Caller

router = APIRouter(prefix="/api/v1", tags=["bridge"])
MAX_WAIT = 30.0


class InboundMessage(BaseModel):
    """A buyer's message as the platform delivered it to the bridge."""

    buyer_id: str = Field(min_length=1, max_length=128, description="The platform's id of the buyer.")
    nick: str = Field(default="", max_length=128, description="The buyer's nick as the platform shows it.")
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    kind: Literal["text"] = Field(default="text", description="Message kind; image and card kinds come later.")
    platform_message_id: str = Field(min_length=1, max_length=128,
                                     description="The platform's message id: sending it again is a no-op.")
    order_no: str | None = Field(default=None, max_length=40, description="An order the buyer asks about.")


class InboundResult(BaseModel):
    message_id: int
    chat_id: int
    duplicate: bool = Field(description="True when this platform message id was already stored.")


class OutboundItem(BaseModel):
    cursor: int = Field(description="Pass the last cursor as ?after= to continue.")
    delivery_id: str
    body: dict = Field(description="The same JSON body a webhook channel receives.")


class OutboundPage(BaseModel):
    items: list[OutboundItem]
    cursor: int


class AckRequest(BaseModel):
    delivery_ids: list[str] = Field(max_length=500)


class AckResult(BaseModel):
    acknowledged: int


class StatusReport(BaseModel):
    delivery_id: str = Field(max_length=36)
    status: Literal["delivered", "read", "failed"]
    error: str = Field(default="", max_length=300)
    platform_message_id: str | None = Field(default=None, max_length=128,
                                            description="The platform's id of the delivered message, if it gave one.")


class Problem(BaseModel):
    detail: str


def caller(request: Request, authorization: Annotated[str | None, Header()] = None) -> Caller:
    token = authorization[7:].strip() if authorization and authorization[:7].lower() == "bearer " else ""
    found = request.app.state.desk.gateway.authenticate(token)
    if found is None or found.kind == ChannelKind.WEB:
        raise HTTPException(401, "无效的通道令牌", headers={"WWW-Authenticate": "Bearer"})
    return found


Authed = Annotated[Caller, Depends(caller)]


@router.post("/inbound", response_model=InboundResult, responses={401: {"model": Problem}, 422: {"model": Problem}})
async def inbound(msg: InboundMessage, who: Authed, request: Request) -> InboundResult:
    """Hand a buyer's message to the desk. Idempotent by ``platform_message_id``."""
    svc = request.app.state.desk.gateway
    try:
        r = await request.app.state.writer.run(svc.inbound_in, who.channel_id, external_id=msg.buyer_id,
                                               nick=msg.nick, text=msg.text,
                                               platform_message_id=msg.platform_message_id,
                                               order_no=msg.order_no, kind=MessageKind(msg.kind))
    except ValueError as exc:
        raise HTTPException(422, f"消息无效：{exc}") from None
    except PermissionError:
        raise HTTPException(401, "通道已停用") from None
    return InboundResult(message_id=r.message_id, chat_id=r.chat_id, duplicate=r.duplicate)


@router.get("/outbound", response_model=OutboundPage, responses={401: {"model": Problem}})
async def outbound(who: Authed, request: Request,
                   after: Annotated[int, Query(ge=0, description="Cursor of the last item seen (0: from the start).")] = 0,
                   wait: Annotated[float, Query(ge=0, le=MAX_WAIT, description="Long-poll: seconds to wait for an item.")] = 0,
                   limit: Annotated[int, Query(ge=1, le=100)] = 100) -> OutboundPage:
    """Pull mode: replies not yet acknowledged, after the cursor. Items stay until acked."""
    if who.kind != ChannelKind.PULL:
        raise HTTPException(409, "此通道使用 webhook 投递")
    svc, hub = request.app.state.desk.gateway, request.app.state.hub
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        rows = await asyncio.to_thread(svc.pull, who.channel_id, after, limit)
        left = deadline - loop.time()
        if rows or left <= 0 or await request.is_disconnected():
            break
        await hub.wait_change(min(left, 1.0))
    items = [OutboundItem(cursor=r.id, delivery_id=r.delivery_id, body=json.loads(r.payload)) for r in rows]
    return OutboundPage(items=items, cursor=rows[-1].id if rows else after)


@router.post("/outbound/ack", response_model=AckResult, responses={401: {"model": Problem}})
async def ack(req: AckRequest, who: Authed, request: Request) -> AckResult:
    """Pull mode: the bridge handed these deliveries to the platform (status 已送达)."""
    n = await asyncio.to_thread(request.app.state.desk.gateway.ack, who.channel_id, req.delivery_ids)
    return AckResult(acknowledged=n)


@router.post("/status", responses={401: {"model": Problem}, 404: {"model": Problem}})
async def status(report: StatusReport, who: Authed, request: Request) -> dict:
    """A later status from the platform: delivered, read (已读) or failed (with the error)."""
    ok = await asyncio.to_thread(request.app.state.desk.gateway.report, who.channel_id, report.delivery_id,
                                 DeliveryStatus(report.status), report.error, report.platform_message_id)
    if not ok:
        raise HTTPException(404, "没有这条投递")
    return {"ok": True}
