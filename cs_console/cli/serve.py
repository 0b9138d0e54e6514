"""``cs-console serve``: run the gateway (bridge API, webhook delivery, buyer chat page)."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, fail, open_desk
from cs_console.domain.messages import os_reason


def serve(db: DbOpt = None,
          host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
          retry_base: Annotated[float, typer.Option("--retry-base", min=0.01, help="Seconds before the first webhook retry (doubles).")] = 2.0,
          timeout: Annotated[float, typer.Option("--webhook-timeout", min=0.1, help="Seconds a webhook receiver may take.")] = 10.0,
          ip_per_minute: Annotated[int, typer.Option("--ip-per-minute", min=1, help="Page requests and messages per client IP.")] = 600,
          session_per_minute: Annotated[int, typer.Option("--session-per-minute", min=1, help="Messages per buyer session.")] = 60,
          burst: Annotated[int, typer.Option("--burst", min=1, help="Messages a buyer session may send at once before --session-per-minute applies.")] = 20,
          body_limit: Annotated[int, typer.Option("--body-limit", min=1024, help="Largest request body / frame in bytes (413).")] = 16384,
          origin: Annotated[list[str] | None, typer.Option("--origin", help="Extra allowed WebSocket Origin (repeat).")] = None,
          lease_margin: Annotated[float, typer.Option("--lease-margin", min=0.1, help="Seconds past the webhook timeout before another gateway may take over a delivery.")] = 30.0,
          secure_cookie: Annotated[bool, typer.Option("--secure-cookie", help="Mark the buyer cookie Secure (behind TLS).")] = False,
          ) -> None:
    """Run the gateway on the store (SQLite by default, PostgreSQL for a team)."""
    import uvicorn

    from cs_console.gateway.app import create_app
    from cs_console.gateway.settings import GatewaySettings

    desk = open_desk(db)
    settings = GatewaySettings(host=host, port=port, retry_base_seconds=retry_base, webhook_timeout=timeout,
                               ip_per_minute=ip_per_minute, lease_margin=lease_margin, session_per_minute=session_per_minute,
                               burst=burst,
                               body_limit=body_limit, allowed_origins=tuple(origin or ()),
                               secure_cookie=secure_cookie)
    try:
        # chat frames are a few hundred bytes: per-message deflate would cost CPU and a compressor
        # per open page (~100 KB each) for next to nothing
        uvicorn.run(create_app(desk, settings), host=host, port=port, log_level="warning",
                    proxy_headers=True, ws_max_size=body_limit, server_header=False,
                    ws_per_message_deflate=False, backlog=4096)
    except OSError as exc:
        fail(f"错误：无法在 {host}:{port} 上监听：{os_reason(exc)}", 2)
    finally:
        desk.close()
