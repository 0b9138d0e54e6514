"""The agent's side of channel delivery, Pilot-driven: a reply typed in the TUI shows 已发送, then
失败 with the reason while the receiver is down; 重发 from the palette delivers it (same delivery
id) once the receiver is back, and the transcript says 已送达."""

from __future__ import annotations

import asyncio

import httpx

from cs_console.config.policy import load_policy
from cs_console.domain.gateway import ChannelKind
from cs_console.services.desk import make_desk
from cs_console.tui.app import CsConsoleApp
from cs_console.tui.transcript import Transcript
from tests.gateway_fixtures import running_gateway, webhook_receiver


async def wait_for(pilot, condition, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        if loop.time() > end:
            raise AssertionError("condition not met in time")
        await pilot.pause(0.05)


def transcript(app) -> str:
    return "\n".join(app.query_one(Transcript).plain_lines())


async def test_failed_reply_shows_the_error_and_resend_delivers(db_path):
    url = str(db_path)
    with webhook_receiver(codes=[500]) as rec, running_gateway(url, retry_base_seconds=0.05) as gw:
        made = gw.desk.gateway.create_channel("qn", ChannelKind.WEBHOOK, webhook_url=rec.url, max_attempts=2)
        rec.secret = made.webhook_secret
        r = await asyncio.to_thread(httpx.post, gw.url + "/api/v1/inbound",
                                    headers={"authorization": f"Bearer {made.token}"},
                                    json={"buyer_id": "qn-1", "nick": "千牛买家", "text": "在吗",
                                          "platform_message_id": "m-1"})
        assert r.status_code == 200
        desk = make_desk(url, policy=load_policy())
        app = CsConsoleApp(desk, "小美")
        async with app.run_test(size=(120, 40)) as pilot:
            await wait_for(pilot, lambda: app.desk_screen.current is not None and app.desk_screen.current.buyer_nick == "千牛买家")
            await pilot.press(*"亲在的", "enter")
            await wait_for(pilot, lambda: "失败" in transcript(app))
            assert "发送失败：2 次尝试均失败（接收方返回 HTTP" in transcript(app)
            assert len(rec.got) == 2
            rec.codes = [200]
            await pilot.press("ctrl+p", *"重发失败")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await wait_for(pilot, lambda: "已送达" in transcript(app))
            assert "失败" not in transcript(app)
            assert len(rec.got) == 3 and len({g.delivery_id for g in rec.got}) == 1
            assert all(g.signature_ok for g in rec.got)
        desk.close()


async def test_local_buyer_lines_carry_no_delivery_status(desk, clock):
    desk.chats.inject("小王", "在吗")
    app = CsConsoleApp(desk, "小美")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press(*"亲在的", "enter")
        await wait_for(pilot, lambda: "亲在的" in transcript(app))
        assert not any(label in transcript(app) for label in ("已发送", "已送达", "失败"))
