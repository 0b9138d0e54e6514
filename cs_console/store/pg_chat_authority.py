"""Who may move a chat or post into a colleague's chat, enforced by PostgreSQL: the SQL of the
move rule (``cs_console_move_refusal``, ``domain.team.move_refusal`` case for case), the one way a
chat changes hands for an agent's login (``cs_console_take_chat``) and the one way a broadcast
writes into chats that are not the sender's (``cs_console_post_broadcast``).

Installed with the roles and grants by ``pg_install.install`` (the store owner); the store's
repositories call ``moves_on_server`` to know whether to go through these functions.
"""

from __future__ import annotations

import weakref

from sqlalchemy import text
from sqlalchemy.engine import Connection

_SERVER_MOVES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → True once seen
TAKE_CHAT = "cs_console_take_chat(integer, integer, text, integer, text, text, timestamptz)"
POST_BROADCAST = "cs_console_post_broadcast(integer, integer, text, timestamptz)"
MOVE_REFUSAL = "cs_console_move_refusal(text, integer, boolean, integer, integer, boolean)"
FUNCTIONS = (TAKE_CHAT, POST_BROADCAST, MOVE_REFUSAL, "cs_console_setting(text)")  # what the agents' group may EXECUTE


def moves_on_server(s) -> bool:
    """Does this (PostgreSQL) store move chats and post broadcasts in the server's functions?
    True once ``db grant`` installed them: agents may no longer do it with plain writes."""
    bind = s.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    engine = getattr(bind, "engine", bind)
    if _SERVER_MOVES.get(engine):
        return True
    found = s.execute(text(f"SELECT to_regprocedure('{TAKE_CHAT}') IS NOT NULL")).scalar_one()
    if found:
        _SERVER_MOVES[engine] = True
    return found


def refuse_why(table: str) -> str:
    """PL/pgSQL: raise the rule's code held in ``why`` (read as its Chinese sentence by
    ``services.errors``), if any."""
    return (f"IF why IS NOT NULL THEN RAISE EXCEPTION 'cs-console: % ({table})', why "
            "USING ERRCODE = 'insufficient_privilege'; END IF;")


def functions(path: str, supervisors: str) -> list[str]:
    """The functions' definitions; ``path`` is their ``search_path``, ``supervisors`` the SQL
    list of the supervisor roles."""
    return [
        # the shop's limits the server applies (``write_settings``; agents read them only)
        """CREATE TABLE IF NOT EXISTS cs_settings (key text PRIMARY KEY, value numeric NOT NULL)""",
        f"""CREATE OR REPLACE FUNCTION cs_console_setting(p_key text) RETURNS numeric
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE v numeric;
            BEGIN
              SELECT value INTO v FROM cs_settings WHERE key = p_key;
              IF v IS NULL THEN
                RAISE EXCEPTION 'cs-console: no setting %', p_key USING ERRCODE = 'no_data_found';
              END IF;
              RETURN v;
            END $$""",
        # domain.team.move_refusal, case for case (tests/test_postgres_roles.py runs one table
        # of cases through both)
        """CREATE OR REPLACE FUNCTION cs_console_move_refusal(p_kind text, p_actor integer, p_actor_sup boolean,
                p_from integer, p_to integer, p_from_offline boolean) RETURNS text
            LANGUAGE sql IMMUTABLE AS $$
              SELECT CASE
                WHEN p_actor IS NULL THEN NULL
                WHEN p_kind IN ('auto', 'claim') THEN CASE
                  WHEN p_from IS NOT NULL OR p_to IS NULL THEN 'team.move_not_queued'
                  WHEN p_kind = 'claim' AND p_to <> p_actor THEN 'team.claim_for_another' END
                WHEN p_kind = 'requeue' THEN CASE
                  WHEN p_from IS NULL OR p_to IS NOT NULL THEN 'team.move_bad'
                  WHEN p_from = p_actor OR p_from_offline OR p_actor_sup THEN NULL
                  ELSE 'team.requeue_other' END
                WHEN p_to IS NULL THEN 'team.move_bad'
                WHEN p_kind = 'takeover' THEN CASE
                  WHEN p_from IS NULL OR p_from = p_actor OR p_to <> p_actor THEN 'team.move_bad'
                  WHEN NOT p_actor_sup THEN 'team.takeover_needs_supervisor' END
                WHEN p_kind = 'forward' THEN CASE
                  WHEN p_to = p_actor THEN 'team.forward_to_self'
                  WHEN NOT (p_from IS NULL OR p_from = p_actor OR p_actor_sup) THEN 'team.forward_not_yours'
                  WHEN p_to = p_from THEN 'team.move_bad' END
                WHEN p_kind = 'manual' THEN CASE
                  WHEN NOT (p_from IS NULL OR p_from = p_actor OR p_actor_sup) THEN 'team.reassign_needs_supervisor'
                  WHEN p_to = p_from THEN 'team.move_bad' END
                WHEN p_kind = 'breach' THEN CASE
                  WHEN p_from IS NULL OR p_to = p_from THEN 'team.move_bad'
                  WHEN p_to = p_actor AND NOT p_actor_sup THEN 'team.breach_to_self' END
                ELSE 'team.move_bad' END $$""",
        # the only way a chat changes hands for an agent's login (agents may not UPDATE
        # chats.agent_id nor write assignments): the rule on the login's agent, then the
        # compare-and-set and its record, in one statement
        f"""CREATE OR REPLACE FUNCTION cs_console_take_chat(p_chat integer, p_to integer, p_kind text,
                p_expected integer, p_by text, p_reason text, p_at timestamptz) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
              my agents%ROWTYPE;
              why text;
            BEGIN
              IF me IS NOT NULL THEN
                SELECT * INTO my FROM agents WHERE id = me;
                why := cs_console_move_refusal(p_kind, me, my.role IN ({supervisors}), p_expected, p_to,
                         coalesce((SELECT status = 'offline' FROM agents WHERE id = p_expected), false));
                IF why IS NULL AND p_by NOT IN ('', my.name) THEN
                  why := 'team.move_by_other';
                END IF;
                IF why IS NULL AND p_kind = 'forward'
                   AND NOT EXISTS (SELECT 1 FROM agents t WHERE t.id = p_to AND t.status = 'online') THEN
                  why := 'team.forward_offline';
                END IF;
                -- overdue: waiting longer than the shop's threshold, at a time no later than the
                -- server's own (the client's clock may lag, never run ahead of it)
                IF why IS NULL AND p_kind = 'breach' AND NOT EXISTS (
                     SELECT 1 FROM chats c WHERE c.id = p_chat AND c.status = 'waiting'
                       AND c.waiting_since < least(p_at, now()) - make_interval(secs => cs_console_setting('response.breach'))
                       AND NOT EXISTS (
                       SELECT 1 FROM assignments a WHERE a.chat_id = c.id AND a.kind = 'breach'
                                                    AND a.at >= c.waiting_since)) THEN
                  why := 'team.breach_not_waiting';
                END IF;
                {refuse_why('chats')}
              END IF;
              UPDATE chats SET agent_id = p_to
                WHERE id = p_chat AND status <> 'closed' AND agent_id IS NOT DISTINCT FROM p_expected;
              IF NOT FOUND THEN
                RETURN false;
              END IF;
              INSERT INTO assignments (chat_id, agent_id, from_agent_id, kind, "by", reason, at)
                VALUES (p_chat, p_to, p_expected, p_kind, p_by, p_reason, p_at);
              RETURN true;
            END $$""",
        # a broadcast's message may land in anyone's chat: written here, for the login's own
        # broadcast, once per buyer, with its recipient record (agents cannot write either)
        f"""CREATE OR REPLACE FUNCTION cs_console_post_broadcast(p_broadcast integer, p_chat integer,
                p_text text, p_at timestamptz) RETURNS integer
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
              b broadcasts%ROWTYPE;
              c chats%ROWTYPE;
              v_agent integer;
              m integer;
              since timestamptz;
              why text;
            BEGIN
              SELECT * INTO b FROM broadcasts WHERE id = p_broadcast;
              SELECT * INTO c FROM chats WHERE id = p_chat;
              SELECT id INTO v_agent FROM agents WHERE name = b.agent;
              IF v_agent IS NULL OR c.id IS NULL OR c.status = 'closed' OR v_agent IS DISTINCT FROM coalesce(me, v_agent)
                 OR EXISTS (SELECT 1 FROM broadcast_recipients r WHERE r.broadcast_id = b.id AND r.buyer_id = c.buyer_id) THEN
                RAISE EXCEPTION 'cs-console: team.broadcast_not_yours (messages)' USING ERRCODE = 'insufficient_privilege';
              END IF;
              IF me IS NOT NULL THEN  -- the shop's limits, counted with every other sender's
                PERFORM pg_advisory_xact_lock(7313);  -- one broadcast message at a time: no race past a limit
                since := least(b.at, now());  -- a broadcast dated ahead of the server counts from now
                IF (SELECT count(*) FROM broadcast_recipients r WHERE r.broadcast_id = b.id)
                     >= cs_console_setting('team.broadcast_max_recipients') THEN
                  why := 'team.broadcast_too_many';
                ELSIF (SELECT count(*) FROM broadcast_recipients r WHERE r.at >= since - interval '1 hour')
                     >= cs_console_setting('team.broadcast_per_hour') THEN
                  why := 'team.broadcast_rate';
                ELSIF EXISTS (SELECT 1 FROM broadcast_recipients r WHERE r.buyer_id = c.buyer_id
                                AND r.at >= since - make_interval(
                                  hours => cs_console_setting('team.broadcast_buyer_cooldown_hours')::integer)
                                AND cs_console_setting('team.broadcast_buyer_cooldown_hours') > 0) THEN
                  why := 'team.broadcast_cooldown';
                END IF;
                {refuse_why('messages')}
              END IF;
              INSERT INTO messages (chat_id, sender, agent_id, text, created_at)
                VALUES (p_chat, 'agent', v_agent, p_text, p_at) RETURNING id INTO m;
              INSERT INTO broadcast_recipients (broadcast_id, buyer_id, chat_id, message_id, at)
                VALUES (b.id, c.buyer_id, p_chat, m, b.at);
              RETURN m;
            END $$""",
    ]


def server_settings(policy) -> dict[str, float]:
    """The shop's figures the server's functions apply (from ``shop.yaml``)."""
    t, i = policy.team, policy.identity
    return {"response.breach": policy.response.breach, "team.broadcast_per_hour": t.broadcast_per_hour,
            "team.broadcast_max_recipients": t.broadcast_max_recipients,
            "team.broadcast_buyer_cooldown_hours": t.broadcast_buyer_cooldown_hours,
            # sign-in (store/pg_roles.py): the lock-out after wrong passwords, how long sessions last
            "identity.max_failures": i.max_failures, "identity.lockout_seconds": i.lockout_seconds,
            "identity.session_hours": i.session_hours, "identity.token_days": i.token_days}


def write_settings(conn: Connection, policy) -> None:
    """Store the shop's figures where the server reads them: ``policy``'s (the owner's
    ``db grant``, which reads ``shop.yaml``), or, with none, the defaults for keys not yet set
    (a refresh by ``Store.init`` keeps what the shop chose)."""
    from cs_console.domain.shop import ShopPolicy

    keep = policy is None
    for key, value in server_settings(policy or ShopPolicy()).items():
        conn.execute(text("INSERT INTO cs_settings (key, value) VALUES (:k, :v) ON CONFLICT (key) DO "
                          + ("NOTHING" if keep else "UPDATE SET value = excluded.value")), {"k": key, "v": value})
