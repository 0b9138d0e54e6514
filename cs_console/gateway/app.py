"""The ASGI application: FastAPI (typed JSON API with an OpenAPI document for bridge authors)
on Starlette's WebSocket support, served by uvicorn."""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cs_console.gateway import api, webchat
from cs_console.gateway.delivery import WebhookDeliverer
from cs_console.gateway.hub import Hub
from cs_console.gateway.security import CookieSigner, HardeningMiddleware, RateLimits
from cs_console.gateway.settings import GatewaySettings
from cs_console.gateway.writer import Writer
from cs_console.services.desk import Desk

SECRET_ENV = "CS_CONSOLE_GATEWAY_SECRET"
STORE_THREADS = 16
LIMITS_SWEEP_SECONDS = 600.0
log = logging.getLogger("cs_console.gateway")


async def _forget_idle_limits(desk: Desk) -> None:
    """Rate-limit buckets idle for an hour are full again: drop their rows now and then."""
    while True:
        await asyncio.sleep(LIMITS_SWEEP_SECONDS)
        try:
            await asyncio.to_thread(desk.gateway.forget_idle_limits)
        except Exception:  # noqa: BLE001 - a busy store: next time
            log.warning("forgetting idle rate-limit buckets failed", exc_info=True)


def create_app(desk: Desk, settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        # store calls run in threads; the default pool (cores + 4) queues them under many buyers
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(STORE_THREADS, "gateway-store"))
        desk.store.take_lock_in_steps()  # the writer's rounds get the lock soon after each release
        hub = Hub(desk.store, desk.gateway)
        app.state.hub = hub
        app.state.writer = writer = Writer(desk.gateway)
        writer.start()
        await hub.start()
        hub.add_task(WebhookDeliverer(desk.gateway, hub, settings).run())
        hub.add_task(_forget_idle_limits(desk))
        try:
            yield
        finally:
            await hub.stop()
            await writer.stop()

    app = FastAPI(title="cs-console gateway", version="1",
                  description="Bridges hand buyers' messages in and take agents' replies out. "
                              "Authenticate with `Authorization: Bearer <channel token>`.",
                  openapi_url="/api/v1/openapi.json", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.desk = desk
    app.state.settings = settings
    app.state.cookies = CookieSigner(os.environ.get(SECRET_ENV) or desk.gateway.cookie_secret())
    app.state.limits = RateLimits(settings.ip_per_minute, settings.session_per_minute, settings.burst)
    app.include_router(api.router)
    app.include_router(webchat.router)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"ok": True}

    app.add_middleware(HardeningMiddleware, limit=settings.body_limit)
    return app
