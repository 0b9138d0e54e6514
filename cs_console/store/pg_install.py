"""Installing the server's side of who acts (``cs-console db grant``; kept current by
``Store.init``): the agents' group role and the sign-in gate, the functions that take the actor
from ``session_user``, the privileges of each table, the row guards and the per-statement check
that a session is still live. The names come from ``pg_roles``; the chat rules' SQL from
``pg_chat_authority``. Idempotent; run by the store owner (with CREATEROLE)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from cs_console.domain.team import SUPERVISOR_ROLES
from cs_console.store import pg_chat_authority
from cs_console.store.pg_roles import (
    SCRAM_ITERATIONS,
    gate_password,
    gate_role,
    group_role,
    role_base,
)

CLOCK_SKEW_SECONDS = 120  # how far an agent's PC may run behind the store's newest message

# what agents may only read (and append to) vs not see at all; the rest they read and write
APPEND_ONLY = ("audit_log", "handover_events", "messages", "response_records")
NO_ACCESS = ("agent_credentials", "cs_logins", "cs_passwords", "cs_gate")
# assignments and broadcast recipients are written by cs_console_take_chat / _post_broadcast only
READ_ONLY = ("meta", "agent_sessions", "assignments", "broadcast_recipients", "cs_settings")
GUARDED = ("messages", "audit_log", "agents", "agent_profiles", "hangup_requests", "drafts", "chats", "broadcasts",
           "response_records", "handover_events")
GUARD_EVENTS = {"chats": "INSERT OR UPDATE", "response_records": "INSERT", "handover_events": "INSERT"}
# columns agents may not UPDATE: who has the chat (cs_console_take_chat), whose and since when it is
NOT_UPDATED = {"chats": ("agent_id", "buyer_id", "opened_at")}


SIGN_IN_FUNCTIONS = ("cs_console_sign_in_salt(text)",
                     "cs_console_sign_in(text, text, text, double precision, timestamptz, timestamptz)")
NEW_LOGIN = ("cs_console_new_login(integer, text, text, text, text, double precision, timestamptz, "
             "timestamptz)")


_SUPERVISOR_LIST = ", ".join(f"'{r.value}'" for r in sorted(SUPERVISOR_ROLES))


def _sql(base: str, schema: str) -> list[str]:
    group, gate = group_role(base), gate_role(base)
    path = f'pg_catalog, "{schema}"'  # built-ins first: nothing in the store's schema shadows them
    refuse = "RAISE EXCEPTION 'cs-console: % (%)', {msg}, TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege'"

    def no(msg: str) -> str:
        return refuse.format(msg=f"'{msg}'")

    return [
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{group}') THEN
                  CREATE ROLE "{group}" NOLOGIN;
              END IF;
            END $$""",
        """CREATE TABLE IF NOT EXISTS cs_logins (
              role_name text PRIMARY KEY,
              agent_id integer NOT NULL REFERENCES agents(id),
              kind text NOT NULL,
              session_id integer)""",
        "ALTER TABLE cs_logins ADD COLUMN IF NOT EXISTS valid_until timestamptz",
        # sessions made before the column: the end their role was given
        """UPDATE cs_logins l SET valid_until = coalesce(r.rolvaliduntil, now())
             FROM pg_roles r WHERE r.rolname = l.role_name AND l.kind <> 'agent' AND l.valid_until IS NULL""",
        # the sign-in verifier of each agent's password and its wrong tries (agents: no access)
        """CREATE TABLE IF NOT EXISTS cs_passwords (
              agent_id integer PRIMARY KEY REFERENCES agents(id),
              verifier text NOT NULL,
              failures integer NOT NULL DEFAULT 0,
              last_failure_at timestamptz)""",
        "CREATE TABLE IF NOT EXISTS cs_gate (secret text NOT NULL)",
        "INSERT INTO cs_gate SELECT gen_random_uuid()::text WHERE NOT EXISTS (SELECT 1 FROM cs_gate)",
        f"""DO $$ BEGIN
              IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{gate}') THEN
                  CREATE ROLE "{gate}" LOGIN PASSWORD '{gate_password(base)}';
              END IF;
            END $$""",
        # the agent of this connection's login; a session past its end (or signed out) is
        # refused here, on every write and every server function, whatever the client's clock
        f"""CREATE OR REPLACE FUNCTION cs_console_actor() RETURNS integer
            LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE l cs_logins%ROWTYPE;
            BEGIN
              IF session_user::text = '{gate}' THEN
                RAISE EXCEPTION 'cs-console: signin.invalid_token' USING ERRCODE = 'insufficient_privilege';
              END IF;
              SELECT * INTO l FROM cs_logins WHERE role_name = session_user::text;
              IF NOT FOUND THEN RETURN NULL; END IF;  -- the store owner
              IF l.kind <> 'agent' AND (l.valid_until IS NULL OR l.valid_until <= now()) THEN
                RAISE EXCEPTION 'cs-console: signin.expired' USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN l.agent_id;
            END $$""",
        # the earliest time an agent's login may give a new message, chat or wait: the store's
        # newest message (messages are append-only, so this only moves on), at most the
        # server's clock, less CLOCK_SKEW_SECONDS for PCs whose clocks differ a little
        f"""CREATE OR REPLACE FUNCTION cs_console_time_floor() RETURNS timestamptz
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
              SELECT least(newest, now()) - make_interval(secs => {CLOCK_SKEW_SECONDS})
                FROM (SELECT max(created_at) AS newest FROM messages) m WHERE newest IS NOT NULL $$""",
        f"""CREATE OR REPLACE FUNCTION cs_console_live() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            BEGIN
              PERFORM cs_console_actor();
              RETURN NULL;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION cs_console_actor_is_supervisor() RETURNS boolean
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
              SELECT coalesce((SELECT role IN ({_SUPERVISOR_LIST}) FROM agents WHERE id = cs_console_actor()), false) $$""",
        # the one trigger function of every guarded table: the owner passes, an agent's login
        # may write only as itself, and supervisor-only changes need a supervisor
        f"""CREATE OR REPLACE FUNCTION cs_console_guard() RETURNS trigger
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
              my_name text;
              sup boolean;
              started timestamptz;
            BEGIN
              IF me IS NULL THEN  -- the store owner (migrations, setup)
                RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
              END IF;
              SELECT name, role IN ({_SUPERVISOR_LIST}) INTO my_name, sup FROM agents WHERE id = me;
              IF TG_TABLE_NAME = 'messages' THEN
                IF NEW.sender = 'agent' AND NEW.agent_id IS DISTINCT FROM me
                   OR NEW.sender <> 'agent' AND NEW.agent_id IS NOT NULL THEN
                  {no('a message can only be sent as the signed-in agent')};
                ELSIF TG_OP = 'INSERT' AND NEW.created_at < cs_console_time_floor() THEN
                  {no('team.backdated')};
                END IF;
              ELSIF TG_TABLE_NAME = 'chats' THEN  -- moves: cs_console_take_chat
                -- a chat, a wait or a first buyer message that starts now starts no earlier
                -- than the store's time (an overdue move and the queue order read the wait)
                IF TG_OP = 'INSERT' THEN
                  started := least(NEW.waiting_since, NEW.opened_at, NEW.first_buyer_at);
                ELSE
                  started := least(CASE WHEN OLD.waiting_since IS NULL THEN NEW.waiting_since END,
                                   CASE WHEN OLD.first_buyer_at IS NULL THEN NEW.first_buyer_at END);
                END IF;
                IF started < cs_console_time_floor() THEN
                  {no('team.backdated')};
                END IF;
                IF TG_OP = 'INSERT' THEN
                  IF NEW.agent_id IS NOT NULL THEN
                    {no('a new chat starts in the queue')};
                  END IF;
                ELSIF NEW.status = 'closed' AND OLD.status <> 'closed' AND OLD.agent_id IS DISTINCT FROM me
                      AND OLD.agent_id IS NOT NULL AND NOT sup THEN  -- domain.team.close_refusal
                  {no('team.close_not_yours')};
                -- the counters and preview follow every message; what a response-time report
                -- or an overdue move reads may change only the way the desk changes it
                ELSIF OLD.waiting_since IS NOT NULL AND NEW.waiting_since IS NULL AND OLD.agent_id IS DISTINCT FROM me THEN
                  {no('only the agent of the chat stops its wait by answering')};
                ELSIF NEW.waiting_since < OLD.waiting_since THEN
                  {no('a wait cannot start earlier than it did')};
                ELSIF NEW.first_response_seconds IS DISTINCT FROM OLD.first_response_seconds
                      AND (OLD.first_response_seconds IS NOT NULL OR OLD.agent_id IS DISTINCT FROM me) THEN
                  {no('the first response is recorded once, by the agent of the chat')};
                ELSIF NEW.first_buyer_at IS DISTINCT FROM OLD.first_buyer_at AND OLD.first_buyer_at IS NOT NULL THEN
                  {no('the first buyer message of a chat does not move')};
                ELSIF NEW.closed_by IS DISTINCT FROM OLD.closed_by AND NEW.closed_by IS DISTINCT FROM me THEN
                  {no('a chat is closed by the signed-in agent')};
                END IF;
              ELSIF TG_TABLE_NAME = 'response_records' THEN
                IF NEW.agent_id IS DISTINCT FROM me
                   OR NOT EXISTS (SELECT 1 FROM chats c WHERE c.id = NEW.chat_id AND c.agent_id = me) THEN
                  {no('a response is recorded by the agent of the chat')};
                END IF;
              ELSIF TG_TABLE_NAME = 'broadcasts' THEN
                IF TG_OP = 'DELETE' OR NEW.agent IS DISTINCT FROM my_name
                   OR TG_OP = 'UPDATE' AND (OLD.agent IS DISTINCT FROM my_name OR NEW.text <> OLD.text) THEN
                  {no('a broadcast is sent as the signed-in agent')};
                END IF;
              ELSIF TG_TABLE_NAME = 'audit_log' THEN
                IF NEW.agent IS DISTINCT FROM my_name THEN
                  {no('an audit row names the signed-in agent only')};
                END IF;
              ELSIF TG_TABLE_NAME = 'handover_events' THEN
                -- a note written in this store is written as the signed-in agent; events of
                -- other stores arrive by sync with their own authors (their store vouches)
                IF NEW.origin = (SELECT value FROM meta WHERE key = 'store_id') AND NEW.author IS DISTINCT FROM my_name THEN
                  {no('a handover note of this store is written as the signed-in agent')};
                END IF;
              ELSIF TG_TABLE_NAME = 'drafts' THEN
                IF (CASE WHEN TG_OP = 'DELETE' THEN OLD.agent_id ELSE NEW.agent_id END) IS DISTINCT FROM me
                   OR TG_OP = 'UPDATE' AND OLD.agent_id IS DISTINCT FROM me THEN
                  {no('drafts belong to the signed-in agent')};
                END IF;
              ELSIF TG_TABLE_NAME = 'agents' THEN
                IF NOT sup THEN
                  IF TG_OP <> 'UPDATE' OR NEW.id <> OLD.id OR NEW.name <> OLD.name OR NEW.role <> OLD.role
                     OR NEW.created_at <> OLD.created_at THEN
                    {no('adding agents and changing roles needs a supervisor')};
                  END IF;
                  -- one's own presence; another's only to take a stale agent offline
                  IF OLD.id <> me AND NOT (NEW.status = 'offline'
                                           AND NEW.heartbeat_at IS NOT DISTINCT FROM OLD.heartbeat_at) THEN
                    {no('only a supervisor changes another agent')};
                  END IF;
                END IF;
              ELSIF TG_TABLE_NAME = 'agent_profiles' THEN
                IF NOT sup AND NOT (TG_OP = 'INSERT' AND NEW.agent_id = me AND NEW.capacity IS NULL) THEN
                  {no('capacities are set by a supervisor')};
                END IF;
              ELSIF TG_TABLE_NAME = 'hangup_requests' THEN
                IF TG_OP = 'INSERT' THEN
                  IF NEW.agent_id IS DISTINCT FROM me OR NEW.state <> 'pending' OR NEW.decided_by IS NOT NULL THEN
                    {no('a hang-up is requested by the signed-in agent, pending')};
                  END IF;
                ELSIF TG_OP = 'DELETE' THEN
                  {no('hang-up requests are kept')};
                ELSIF NEW.agent_id <> OLD.agent_id OR NEW.reason <> OLD.reason OR NEW.requested_at <> OLD.requested_at THEN
                  {no('a hang-up request cannot be rewritten')};
                ELSIF NEW.state = 'ended' AND OLD.state = 'approved'
                      AND NEW.decided_by IS NOT DISTINCT FROM OLD.decided_by
                      AND NEW.decided_at IS NOT DISTINCT FROM OLD.decided_at AND NEW.note = OLD.note THEN
                  NULL;  -- an approved hang-up ends (the agent resumes, or goes offline)
                ELSIF NOT sup OR OLD.agent_id = me OR NEW.decided_by IS DISTINCT FROM me
                      OR OLD.state <> 'pending' THEN
                  {no('a hang-up is decided by another agent who is a supervisor')};
                END IF;
              END IF;
              RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
            END $$""",
        *pg_chat_authority.functions(path, _SUPERVISOR_LIST),
        f"""CREATE OR REPLACE FUNCTION cs_console_set_login(p_agent text, p_verifier text) RETURNS text
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
              target agents%ROWTYPE;
              r text;
            BEGIN
              SELECT * INTO target FROM agents WHERE name = p_agent;
              IF NOT FOUND THEN
                RAISE EXCEPTION 'cs-console: no agent %', p_agent USING ERRCODE = 'no_data_found';
              END IF;
              IF me IS NOT NULL AND me <> target.id AND NOT cs_console_actor_is_supervisor() THEN
                RAISE EXCEPTION 'cs-console: setting another agent''s password needs a supervisor'
                  USING ERRCODE = 'insufficient_privilege';
              END IF;
              IF p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN  -- never a password in clear
                RAISE EXCEPTION 'cs-console: a SCRAM verifier is expected' USING ERRCODE = 'invalid_parameter_value';
              END IF;
              r := '{base}.' || target.name;
              -- the agent's own role never logs in: a password is tried only through
              -- cs_console_sign_in, which counts wrong ones
              IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
                IF NOT EXISTS (SELECT 1 FROM cs_logins WHERE role_name = r AND agent_id = target.id) THEN
                  RAISE EXCEPTION 'cs-console: role % exists and is not this agent''s login', r
                    USING ERRCODE = 'duplicate_object';
                END IF;
                EXECUTE format('ALTER ROLE %I WITH NOLOGIN PASSWORD NULL', r);
              ELSE
                EXECUTE format('CREATE ROLE %I NOLOGIN IN ROLE %I', r, '{group}');
                INSERT INTO cs_logins VALUES (r, target.id, 'agent', NULL);
              END IF;
              INSERT INTO cs_passwords (agent_id, verifier) VALUES (target.id, p_verifier)
                ON CONFLICT (agent_id) DO UPDATE SET verifier = excluded.verifier, failures = 0, last_failure_at = NULL;
              RETURN r;
            END $$""",
        "DROP FUNCTION IF EXISTS cs_console_issue_login(integer, text, text, text, text, double precision, "
        "timestamptz, timestamptz)",
        # a new session/token role of agent p_agent (owner only: called by the functions below);
        # it ends at the server's now() + the hours asked, at most the shop's figure
        f"""CREATE OR REPLACE FUNCTION cs_console_new_login(p_agent integer, p_verifier text, p_kind text,
                p_via text, p_label text, p_hours double precision, p_created timestamptz, p_expires timestamptz)
            RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              p_id integer := nextval(pg_get_serial_sequence('agent_sessions', 'id'));
              r text := '{base}#' || p_id;
              most double precision := CASE p_kind WHEN 'session' THEN cs_console_setting('identity.session_hours')
                                                   ELSE cs_console_setting('identity.token_days') * 24 END;
              ends timestamptz;
            BEGIN
              IF p_kind NOT IN ('session', 'token') OR NOT (p_hours > 0 AND p_hours <= 24 * 3650)
                 OR p_verifier NOT LIKE 'SCRAM-SHA-256$%' THEN
                RAISE EXCEPTION 'cs-console: bad session request' USING ERRCODE = 'invalid_parameter_value';
              END IF;
              ends := now() + make_interval(secs => least(p_hours, most) * 3600);
              INSERT INTO agent_sessions (id, token_hash, agent_id, kind, via, label, created_at, expires_at)
                VALUES (p_id, 'pg:' || gen_random_uuid(), p_agent, p_kind, p_via, left(p_label, 64), p_created,
                        least(p_expires, p_created + make_interval(secs => most * 3600)));
              EXECUTE format('CREATE ROLE %I LOGIN PASSWORD %L VALID UNTIL %L IN ROLE %I', r, p_verifier,
                             ends::text, '{group}');
              INSERT INTO cs_logins VALUES (r, p_agent, p_kind, p_id, ends);
              RETURN p_id;
            END $$""",
        "DROP FUNCTION IF EXISTS cs_console_issue_login(integer, text, text, text, text, double precision, "
        "timestamptz, timestamptz)",
        f"""CREATE OR REPLACE FUNCTION cs_console_issue_login(p_verifier text, p_kind text, p_via text,
                p_label text, p_hours double precision, p_created timestamptz, p_expires timestamptz)
            RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
            BEGIN
              IF me IS NULL THEN
                RAISE EXCEPTION 'cs-console: only a signed-in agent gets a session' USING ERRCODE = 'insufficient_privilege';
              END IF;
              RETURN cs_console_new_login(me, p_verifier, p_kind, p_via, p_label, p_hours, p_created, p_expires);
            END $$""",
        # what a client computes the password's proof with; an unknown name gets a made-up salt
        # that stays the same (the answer does not tell which names exist)
        f"""CREATE OR REPLACE FUNCTION cs_console_sign_in_salt(p_agent text) RETURNS text
            LANGUAGE sql STABLE SECURITY DEFINER SET search_path = {path} AS $$
              SELECT coalesce(
                (SELECT split_part(p.verifier, '$', 2) FROM cs_passwords p JOIN agents a ON a.id = p.agent_id
                  WHERE a.name = p_agent),
                '{SCRAM_ITERATIONS}:' || encode(substr(sha256(convert_to((SELECT secret FROM cs_gate LIMIT 1) || p_agent,
                                                                         'UTF8')), 1, 16), 'base64')) $$""",
        # the one way a password is tried: a wrong one is counted (committed: the function
        # returns NULL, it does not raise); after identity.max_failures in a row the agent waits
        # identity.lockout_seconds, doubling per further failure (at most a day), by now()
        f"""CREATE OR REPLACE FUNCTION cs_console_sign_in(p_agent text, p_proof text, p_verifier text,
                p_hours double precision, p_created timestamptz, p_expires timestamptz)
            RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              a_id integer;
              pw cs_passwords%ROWTYPE;
              most integer := cs_console_setting('identity.max_failures');
              until timestamptz;
            BEGIN
              SELECT id INTO a_id FROM agents WHERE name = p_agent;
              SELECT * INTO pw FROM cs_passwords WHERE agent_id = a_id FOR UPDATE;
              IF NOT FOUND THEN RETURN NULL; END IF;  -- the same answer as a wrong password
              IF pw.failures >= most THEN
                until := pw.last_failure_at + make_interval(secs => least(
                  cs_console_setting('identity.lockout_seconds') * 2 ^ least(pw.failures - most, 10), 86400));
                IF now() < until THEN
                  RAISE EXCEPTION 'cs-console: signin.locked %', ceil(extract(epoch FROM until - now()))::integer
                    USING ERRCODE = 'insufficient_privilege';
                END IF;
              END IF;
              IF p_proof !~ '^[A-Za-z0-9+/]{{43}}=$'
                 OR encode(sha256(decode(p_proof, 'base64')), 'base64') <> split_part(split_part(pw.verifier, '$', 3), ':', 1) THEN
                UPDATE cs_passwords SET failures = failures + 1, last_failure_at = now() WHERE agent_id = a_id;
                RETURN NULL;
              END IF;
              UPDATE cs_passwords SET failures = 0, last_failure_at = NULL WHERE agent_id = a_id;
              RETURN cs_console_new_login(a_id, p_verifier, 'session', 'password', '', p_hours, p_created, p_expires);
            END $$""",
        f"""CREATE OR REPLACE FUNCTION cs_console_end_login(p_id integer, p_at timestamptz) RETURNS boolean
            LANGUAGE plpgsql SECURITY DEFINER SET search_path = {path} AS $$
            DECLARE
              me integer := cs_console_actor();
              row cs_logins%ROWTYPE;
            BEGIN
              SELECT * INTO row FROM cs_logins WHERE session_id = p_id;
              IF NOT FOUND THEN RETURN false; END IF;
              IF me IS NOT NULL AND me <> row.agent_id AND NOT cs_console_actor_is_supervisor() THEN
                RAISE EXCEPTION 'cs-console: ending another agent''s session needs a supervisor'
                  USING ERRCODE = 'insufficient_privilege';
              END IF;
              EXECUTE format('ALTER ROLE %I WITH NOLOGIN VALID UNTIL %L', row.role_name, now()::text);
              UPDATE cs_logins SET valid_until = least(valid_until, now()) WHERE role_name = row.role_name;
              UPDATE agent_sessions SET revoked_at = coalesce(revoked_at, p_at) WHERE id = p_id;
              RETURN true;
            END $$""",
    ]


def _privileges(base: str, schema: str, tables: list[str], guarded: list[str],
                columns: dict[str, list[str]]) -> list[str]:
    group = group_role(base)
    out = [f'REVOKE ALL ON SCHEMA "{schema}" FROM PUBLIC' if schema != "public" else "SELECT 1",
           f'GRANT USAGE ON SCHEMA "{schema}" TO "{group}"',
           f'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "{schema}" TO "{group}"']
    for t in tables:
        out.append(f'REVOKE ALL ON TABLE "{t}" FROM PUBLIC, "{group}"')
        if t in NO_ACCESS:
            continue
        if t in READ_ONLY:
            out.append(f'GRANT SELECT ON TABLE "{t}" TO "{group}"')
        elif t in APPEND_ONLY:
            out.append(f'GRANT SELECT, INSERT ON TABLE "{t}" TO "{group}"')
        elif t in NOT_UPDATED:
            updatable = ", ".join(f'"{c}"' for c in columns[t] if c not in NOT_UPDATED[t])
            out += [f'GRANT SELECT, INSERT, DELETE ON TABLE "{t}" TO "{group}"',
                    f'GRANT UPDATE ({updatable}) ON TABLE "{t}" TO "{group}"']
        else:
            out.append(f'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "{t}" TO "{group}"')
    for fn in ("cs_console_actor()", "cs_console_actor_is_supervisor()", "cs_console_set_login(text, text)",
               "cs_console_issue_login(text, text, text, text, double precision, timestamptz, timestamptz)",
               "cs_console_end_login(integer, timestamptz)", *pg_chat_authority.FUNCTIONS):
        out += [f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC", f'GRANT EXECUTE ON FUNCTION {fn} TO "{group}"']
    gate = gate_role(base)
    out += [f'GRANT USAGE ON SCHEMA "{schema}" TO "{gate}"']
    for fn in SIGN_IN_FUNCTIONS:  # the gate's only privileges
        out += [f"REVOKE ALL ON FUNCTION {fn} FROM PUBLIC", f'GRANT EXECUTE ON FUNCTION {fn} TO "{gate}"']
    out.append(f"REVOKE ALL ON FUNCTION {NEW_LOGIN} FROM PUBLIC")
    for t in tables:  # every write of a login whose session ended is refused (cs_console_actor)
        if t in NO_ACCESS or t in READ_ONLY:
            continue
        out.append(f'DROP TRIGGER IF EXISTS cs_console_live ON "{t}"')
        out.append(f'CREATE TRIGGER cs_console_live BEFORE INSERT OR UPDATE OR DELETE ON "{t}" '
                   "FOR EACH STATEMENT EXECUTE FUNCTION cs_console_live()")
    for t in guarded:
        out.append(f'DROP TRIGGER IF EXISTS cs_console_guard ON "{t}"')
        out.append(f'CREATE TRIGGER cs_console_guard BEFORE {GUARD_EVENTS.get(t, "INSERT OR UPDATE OR DELETE")} '
                   f'ON "{t}" FOR EACH ROW EXECUTE FUNCTION cs_console_guard()')
    if "messages" in tables:
        out.append("CREATE INDEX IF NOT EXISTS cs_messages_created_at ON messages (created_at)")  # the time floor
        # an agent's message goes only into a chat that is the login's (row security binds the
        # agents' group; the owner's functions — a broadcast, a takeover — are not bound by it)
        out += ["ALTER TABLE messages ENABLE ROW LEVEL SECURITY",
                "DROP POLICY IF EXISTS cs_console_read ON messages",
                f'CREATE POLICY cs_console_read ON messages FOR SELECT TO "{group}" USING (true)',
                "DROP POLICY IF EXISTS cs_console_answer ON messages",
                f'CREATE POLICY cs_console_answer ON messages FOR INSERT TO "{group}" WITH CHECK ('
                "sender <> 'agent' OR EXISTS (SELECT 1 FROM chats c WHERE c.id = messages.chat_id "
                "AND c.agent_id = cs_console_actor()))"]
    return out


def install(conn: Connection, url: str, policy=None) -> str:
    """Create or refresh the group role, the functions, privileges and guards (idempotent; the
    store owner runs it, with CREATEROLE), and the shop's figures the server applies (``policy``'s;
    without one, those already stored). Returns the group role's name."""
    base = role_base(url)
    conn.execute(text("SELECT pg_advisory_xact_lock(7312)"))
    schema = conn.execute(text("SELECT current_schema()")).scalar_one()
    for stmt in _sql(base, schema):
        conn.execute(text(stmt))
    pg_chat_authority.write_settings(conn, policy)
    tables = list(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"), {"s": schema}).scalars())
    guarded = [t for t in GUARDED if t in tables]
    columns = {t: list(conn.execute(text("SELECT column_name FROM information_schema.columns "
                                         "WHERE table_schema = :s AND table_name = :t ORDER BY ordinal_position"),
                                    {"s": schema, "t": t}).scalars()) for t in NOT_UPDATED if t in tables}
    for stmt in _privileges(base, schema, tables, guarded, columns):
        conn.execute(text(stmt))
    return group_role(base)
