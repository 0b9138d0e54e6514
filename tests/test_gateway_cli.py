"""`cs-console channel …`: supervisor-only create/revoke, the token shown once and stored hashed,
`chat send` to a channel buyer writes the outbox, resend refuses what did not fail."""

from __future__ import annotations

import hashlib
import json

from sqlmodel import select
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.config.policy import load_policy
from cs_console.services.desk import make_desk
from cs_console.store.tables import Channel, OutboxEntry

runner = CliRunner()


def run(*args):
    return runner.invoke(app, list(args))


def test_channels_are_a_supervisors_and_tokens_are_kept_hashed(db_path, monkeypatch):
    from tests.signin import cli_token

    db = str(db_path)
    monkeypatch.setenv("CS_CONSOLE_TOKEN", cli_token(db, "小美"))
    refused = run("channel", "create", "qn", "--pull", "--db", db)
    assert refused.exit_code == 2 and "只有主管" in refused.output
    monkeypatch.setenv("CS_CONSOLE_TOKEN", cli_token(db, "主管", "supervisor"))
    assert run("channel", "create", "qn", "--db", db).exit_code == 2  # no kind given
    assert run("channel", "create", "Bad Name", "--pull", "--db", db).exit_code == 2
    made = run("channel", "create", "qn", "--webhook", "http://127.0.0.1:9/h", "--db", db, "--json")
    assert made.exit_code == 0, made.output
    data = json.loads(made.stdout)
    assert data["token"].startswith("csk_") and data["webhook_secret"].startswith("whsec_")
    desk = make_desk(db, policy=load_policy())
    with desk.store.read() as s:
        row = s.exec(select(Channel)).one()
        assert row.token_hash == hashlib.sha256(data["token"].encode()).hexdigest()
        assert data["token"] not in {row.token_hash, row.webhook_url, row.webhook_secret}
    listed = run("channel", "list", "--db", db, "--json").stdout
    assert data["token"] not in listed and json.loads(listed)[0]["name"] == "qn"
    assert desk.gateway.authenticate(data["token"]) is not None
    assert run("channel", "revoke", "qn", "--db", db).exit_code == 0
    assert desk.gateway.authenticate(data["token"]) is None
    desk.close()


def test_chat_send_to_a_channel_buyer_writes_the_outbox_in_the_same_transaction(db_path, monkeypatch):
    from tests.signin import cli_token

    db = str(db_path)
    monkeypatch.setenv("CS_CONSOLE_TOKEN", cli_token(db, "小美"))
    desk = make_desk(db, policy=load_policy())
    from cs_console.domain.gateway import ChannelKind

    ch = desk.gateway.create_channel("qn", ChannelKind.PULL)
    desk.gateway.inbound(ch.channel.id, external_id="u1", nick="小李", text="在吗", platform_message_id="m1")
    desk.chats.inject("本地买家", "在吗")
    assert run("chat", "send", "--buyer", "小李", "亲在的", "--agent", "小美", "--db", db).exit_code == 0
    assert run("chat", "send", "--buyer", "本地买家", "亲在的", "--agent", "小美", "--db", db).exit_code == 0
    with desk.store.read() as s:
        rows = s.exec(select(OutboxEntry)).all()
    assert len(rows) == 1 and json.loads(rows[0].payload)["buyer_id"] == "u1"
    not_failed = run("channel", "resend", str(rows[0].message_id), "--db", db)
    assert not_failed.exit_code == 2
    desk.close()
