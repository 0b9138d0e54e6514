"""HTTP hardening: body limit (413), security headers with a strict CSP, rate limits, cookies."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cache-control", b"no-store"),
]
COOKIE = "cs_chat"
COOKIE_DAYS = 30


class HardeningMiddleware:
    """Pure ASGI: refuse bodies over ``limit`` with 413 (declared or streamed) and add the
    security headers to every response."""

    def __init__(self, app, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                names = {k for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [h for h in HEADERS if h[0] not in names]
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            return await _too_large(send_with_headers)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.limit:
                return await _too_large(send_with_headers)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)


async def _too_large(send) -> None:
    payload = '{"detail":"请求内容过大"}'.encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})


@dataclass(frozen=True)
class RateLimits:
    """The page's limits as bucket specs ``(key, per minute, burst)``; the buckets themselves live
    in the store (``GatewayService.allow_each``), so every gateway on it counts the same requests."""

    ip_per_minute: int
    session_per_minute: int
    burst: int

    def ip(self, address: str) -> tuple[str, int, int]:
        return "ip:" + address, self.ip_per_minute, max(self.burst, self.ip_per_minute // 10)

    def session(self, channel_id: int, key: str) -> tuple[str, int, int]:
        return f"session:{channel_id}:{key}", self.session_per_minute, self.burst


class CookieSigner:
    """The buyer's session: {channel id, random session key}, signed; anything else is no session."""

    def __init__(self, secret: str):
        self._s = URLSafeTimedSerializer(secret, salt="cs-console-buyer-chat")

    def dump(self, channel_id: int, key: str) -> str:
        return self._s.dumps({"c": channel_id, "k": key})

    def session(self, value: str | None) -> tuple[int, str] | None:
        """The (channel id, session key) a genuine, unexpired cookie holds."""
        if not value or len(value) > 400:
            return None
        try:
            data = self._s.loads(value, max_age=COOKIE_DAYS * 86400)
        except BadSignature:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("k"), str):
            return None
        return data["c"], data["k"]

    def load(self, value: str | None, channel_id: int) -> str | None:
        """The session key of a genuine cookie of this channel."""
        found = self.session(value)
        return found[1] if found and found[0] == channel_id else None
