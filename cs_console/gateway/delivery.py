"""Webhook delivery: claim due outbox rows, POST them signed, record each attempt.

The deliverer wakes for new webhook rows (seen by the hub's one read per store change), when
its next row falls due or a lease runs out, and at least every IDLE_SECONDS (a 重发 from a TUI
resets a row in place).

Retried on timeouts, connection errors, 429 and 5xx with exponential backoff and jitter; other
4xx are final. The delivery id is the same on every attempt (receivers dedupe by it)."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx

from cs_console.domain.gateway import Outcome, RetryPolicy, classify, sign
from cs_console.gateway.hub import Hub
from cs_console.gateway.settings import GatewaySettings
from cs_console.services.gateway import GatewayService
from cs_console.store.outbox import Claimed

log = logging.getLogger("cs_console.gateway")
IDLE_SECONDS = 1.0
COALESCE_SECONDS = 0.02


class WebhookDeliverer:
    def __init__(self, service: GatewayService, hub: Hub, settings: GatewaySettings):
        self.service, self.hub, self.settings = service, hub, settings
        self.client = httpx.AsyncClient(timeout=settings.webhook_timeout, follow_redirects=False,
                                        headers={"user-agent": "cs-console-gateway"})

    async def run(self) -> None:
        lease = self.settings.webhook_timeout + self.settings.lease_margin
        try:
            while True:
                try:  # a cheap read first: most commits (inbound lines, page acks) leave nothing due
                    wait = await asyncio.to_thread(self.service.seconds_to_next_due)
                    claimed = [] if wait is None or wait > 0 else await asyncio.to_thread(
                        self.service.claim, self.settings.worker, lease)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("claiming outbox rows failed; retrying")
                    await asyncio.sleep(1.0)
                    continue
                if claimed:
                    await asyncio.gather(*(self.deliver(c) for c in claimed))
                    continue
                await self.hub.wait_delivery_wake(IDLE_SECONDS if wait is None else min(IDLE_SECONDS, max(0.05, wait)))
                await asyncio.sleep(COALESCE_SECONDS)  # a burst of commits: one claim
        finally:
            await self.client.aclose()

    async def deliver(self, c: Claimed) -> str:
        body = c.payload.encode()
        ts = int(time.time())  # protocol time, checked against the receiver's wall clock (not business time)
        headers = {"content-type": "application/json", "x-cs-delivery": c.delivery_id,
                   "x-cs-timestamp": str(ts), "x-cs-signature": sign(c.secret, ts, body),
                   "x-cs-attempt": str(c.attempts)}
        code: int | None = None
        try:
            r = await self.client.post(c.url, content=body, headers=headers)
            code = r.status_code
            error = f"接收方返回 HTTP {code}"
        except httpx.TimeoutException:
            error = "接收方超时"
        except httpx.HTTPError:
            error = "无法连接接收方"
        outcome = classify(code)
        policy = RetryPolicy(max_attempts=c.max_attempts, base_seconds=self.settings.retry_base_seconds,
                             cap_seconds=self.settings.retry_cap_seconds)
        retry_in = None
        if outcome == Outcome.RETRY and c.attempts < c.max_attempts:
            retry_in = policy.delay(c.attempts)
        elif outcome == Outcome.RETRY:
            error = f"{c.attempts} 次尝试均失败（{error}）"
        try:
            return await asyncio.to_thread(self.service.record, c.id, delivered=outcome == Outcome.DELIVERED,
                                           final=outcome == Outcome.FINAL, error=error, retry_in=retry_in)
        except Exception:  # the lease runs out and the row is claimed again: at least once
            log.exception("recording a delivery attempt failed")
            return ""
