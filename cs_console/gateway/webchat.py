"""The buyer chat page: ``GET /chat/<shop>`` (static HTML/CSS/JS) and its WebSocket.

A buyer's session is a signed HttpOnly cookie holding a random key; the socket only ever reads
and writes that session's own chat. Frames are small JSON objects (see ``static/chat.js``)."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from cs_console.domain.gateway import CHANNEL_NAME, MAX_TEXT_CHARS
from cs_console.gateway.hub import PageConnection
from cs_console.gateway.security import COOKIE, COOKIE_DAYS

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).with_name("static")
PAGE = (STATIC / "chat.html").read_text(encoding="utf-8")
ASSETS = {"chat.js": "text/javascript", "chat.css": "text/css"}
HISTORY = 50
log = logging.getLogger("cs_console.gateway")


def _client_ip(conn) -> str:
    return conn.client.host if conn.client else "?"


async def _web_channel(request_or_ws, shop: str) -> int | None:
    if not CHANNEL_NAME.match(shop):
        return None
    return await asyncio.to_thread(request_or_ws.app.state.desk.gateway.web_channel, shop)


@router.get("/chat/static/{name}")
async def asset(name: str) -> FileResponse:
    if name not in ASSETS:
        raise HTTPException(404)
    return FileResponse(STATIC / name, media_type=ASSETS[name])


@router.get("/chat/{shop}")
async def page(shop: str, request: Request):
    state = request.app.state
    if not await state.writer.allow([state.limits.ip(_client_ip(request))]):
        return JSONResponse({"detail": "请求太频繁，请稍后再试"}, status_code=429)
    channel_id = await _web_channel(request, shop)
    if channel_id is None:
        return HTMLResponse("<!doctype html><title>404</title><p>没有这个店铺的在线客服。</p>", status_code=404)
    response = HTMLResponse(PAGE)
    if state.cookies.load(request.cookies.get(COOKIE), channel_id) is None:
        response.set_cookie(COOKIE, state.cookies.dump(channel_id, secrets.token_urlsafe(18)),
                            max_age=COOKIE_DAYS * 86400, path=f"/chat/{shop}", httponly=True,
                            samesite="strict", secure=state.settings.secure_cookie)
    return response


def origin_allowed(ws: WebSocket, allowed: tuple[str, ...]) -> bool:
    """The page's own origin (same host as the request) or one configured explicitly."""
    origin = ws.headers.get("origin")
    if not origin:
        return False
    if origin in allowed:
        return True
    host = ws.headers.get("host", "")
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and bool(host) and parts.netloc == host


@router.websocket("/chat/{shop}/ws")
async def socket(ws: WebSocket, shop: str) -> None:
    state = ws.app.state
    if not origin_allowed(ws, state.settings.allowed_origins) or not await state.writer.allow(
            [state.limits.ip(_client_ip(ws))]):
        await ws.close(code=1008)
        return
    session = state.cookies.session(ws.cookies.get(COOKIE))
    found = (await asyncio.to_thread(state.desk.gateway.web_socket_link, shop, session[1])
             if session and CHANNEL_NAME.match(shop) else None)
    if found is None or found[0] != session[0]:  # no such shop, or another shop's cookie
        await ws.close(code=1008)
        return
    await ws.accept()
    svc, hub = state.desk.gateway, state.hub
    channel_id, key = session
    conn = PageConnection(send_text=ws.send_text, channel_id=channel_id, session_key=key, link_id=found[1])
    try:
        if conn.link_id is not None:
            hub.attach(conn)
            await _send_history(ws, conn, svc)
        while True:
            message = await ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            raw = message.get("text")
            if raw is None:  # binary frames are not part of the protocol
                await ws.close(code=1003)
                return
            if len(raw.encode()) > state.settings.body_limit:
                await ws.close(code=1009)
                return
            await _handle(ws, conn, raw, state)
    except WebSocketDisconnect:
        pass
    finally:
        hub.detach(conn)


async def _send_history(ws: WebSocket, conn: PageConnection, svc) -> None:
    lines = await asyncio.to_thread(svc.web_history, conn.link_id, HISTORY)
    items = []
    for ln in lines:
        items.append({"id": ln.id, "from": ln.sender, "text": ln.text, "at": ln.created_at.isoformat(),
                      "delivery_id": ln.delivery_id or None,
                      "client_id": ln.platform_message_id[4:] if ln.platform_message_id.startswith("web-") else None})
        if ln.delivery_id:
            conn.pushed.add(ln.delivery_id)
    await ws.send_text(json.dumps({"type": "history", "items": items}, ensure_ascii=False))


async def _handle(ws: WebSocket, conn: PageConnection, raw: str, state) -> None:
    try:
        frame = json.loads(raw)
    except ValueError:
        return
    if not isinstance(frame, dict):
        return
    svc, hub = state.desk.gateway, state.hub
    kind = frame.get("type")
    if kind == "send":
        client_id, text = frame.get("client_id"), frame.get("text")
        if not isinstance(client_id, str) or not isinstance(text, str) or not (8 <= len(client_id) <= 64):
            return
        order_no = frame.get("order_no") if isinstance(frame.get("order_no"), str) else None
        if len(text) > MAX_TEXT_CHARS:
            await _error(ws, client_id, f"消息太长（最多 {MAX_TEXT_CHARS} 字）")
            return
        limits = [state.limits.session(conn.channel_id, conn.session_key), state.limits.ip(_client_ip(ws))]
        try:  # counted, then written, in one round of the writer (None: a limit is exhausted)
            r = await state.writer.run_limited(limits, svc.inbound_in, conn.channel_id, external_id=conn.session_key,
                                               nick="", text=text, platform_message_id="web-" + client_id,
                                               order_no=order_no)
        except ValueError as exc:
            await _error(ws, client_id, "订单号格式不对" if "order" in str(exc) else "消息无效")
            return
        except PermissionError:
            await ws.close(code=1008)
            return
        if r is None:
            await ws.send_text(json.dumps({"type": "error", "client_id": client_id, "code": 429,
                                           "message": "发送太频繁，请稍后再试"}, ensure_ascii=False))
            return
        await ws.send_text(json.dumps({"type": "sent", "client_id": client_id, "id": r.message_id}))
        if conn.link_id is None:
            conn.link_id = r.channel_buyer_id
            hub.attach(conn)
    elif kind == "ack" and conn.link_id is not None:
        ids = [i for i in frame.get("ids", []) if isinstance(i, str)][:200]
        if ids:
            await state.writer.run(svc.ack_in, conn.channel_id, ids, conn.link_id)
    elif kind == "read" and conn.link_id is not None:
        ids = [i for i in frame.get("ids", []) if isinstance(i, int)][:200]
        if ids:
            await state.writer.run(svc.mark_read_in, conn.link_id, ids)


async def _error(ws: WebSocket, client_id: str, message: str) -> None:
    await ws.send_text(json.dumps({"type": "error", "client_id": client_id, "code": 422, "message": message},
                                  ensure_ascii=False))
