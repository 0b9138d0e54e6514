"""``cs-console serve``: run the gateway (bridge API, webhook delivery, buyer chat page)."""

from __future__ import annotations

from typing import Annotated

import typer

from cs_console.cli.common import DbOpt, fail, open_desk
from cs_console.domain.messages import os_reason


def serve(db: DbOpt = None,
          host: Annotated[str, typer.Option("--host", help="监听的地址。")] = "127.0.0.1",
          port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8080,
          retry_base: Annotated[float, typer.Option("--retry-base", min=0.01, help="webhook 第一次重试前等待的秒数（之后每次加倍）。")] = 2.0,
          timeout: Annotated[float, typer.Option("--webhook-timeout", min=0.1, help="webhook 接收方最多可用的秒数。")] = 10.0,
          ip_per_minute: Annotated[int, typer.Option("--ip-per-minute", min=1, help="每个客户端 IP 每分钟的页面请求和消息数。")] = 600,
          session_per_minute: Annotated[int, typer.Option("--session-per-minute", min=1, help="每个买家会话每分钟的消息数。")] = 60,
          burst: Annotated[int, typer.Option("--burst", min=1, help="在 --session-per-minute 生效前，买家会话一次最多可连发的消息数。")] = 20,
          body_limit: Annotated[int, typer.Option("--body-limit", min=1024, help="请求体/帧的最大字节数（超出返回 413）。")] = 16384,
          origin: Annotated[list[str] | None, typer.Option("--origin", help="额外允许的 WebSocket Origin（可重复）。")] = None,
          lease_margin: Annotated[float, typer.Option("--lease-margin", min=0.1, help="webhook 超时后再过多少秒，其他网关可以接手这次投递。")] = 30.0,
          secure_cookie: Annotated[bool, typer.Option("--secure-cookie", help="把买家 cookie 标为 Secure（在 TLS 之后运行时）。")] = False,
          ) -> None:
    """在存储上运行网关（默认 SQLite，团队用 PostgreSQL）。"""
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
