"""Settings of one gateway process (from `cs-console serve` options)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field


@dataclass(frozen=True)
class GatewaySettings:
    host: str = "127.0.0.1"
    port: int = 8080
    body_limit: int = 16 * 1024  # bytes of one HTTP body or WebSocket frame; larger: 413 / close 1009
    retry_base_seconds: float = 2.0  # first retry after ~this, doubling, with jitter
    retry_cap_seconds: float = 600.0
    webhook_timeout: float = 10.0
    lease_margin: float = 30.0  # a claim lasts timeout + margin; then another gateway may take it
    ip_per_minute: int = 600  # page loads, WebSocket connects and messages per client IP
    session_per_minute: int = 60  # messages per buyer session
    burst: int = 20
    allowed_origins: tuple[str, ...] = ()  # extra WebSocket origins (the page's own is always allowed)
    secure_cookie: bool = False  # set behind TLS (the README's nginx example)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
