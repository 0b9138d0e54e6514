"""Who may move a chat from whom to whom: one table of cases, run through the domain rule
(``domain.team.move_refusal``, tests/test_team_rules.py) and through PostgreSQL's copy of it
(``cs_console_move_refusal``, tests/test_postgres_roles.py), so the two cannot drift."""

from __future__ import annotations

MEI, QIANG, BOSS = 1, 2, 3  # 小美 and 阿强 are agents, 主管 a supervisor

# (kind, actor, actor is a supervisor, from, to, from agent is offline, refusal or None)
MOVE_CASES = [
    ("auto", MEI, False, None, QIANG, False, None),  # her distributor gives a queued chat to a colleague
    ("auto", MEI, False, None, MEI, False, None),  # ... or to herself
    ("auto", MEI, False, QIANG, MEI, False, "team.move_not_queued"),  # never a chat someone has
    ("claim", MEI, False, None, MEI, False, None),  # answering a queued chat makes it hers
    ("claim", MEI, False, None, QIANG, False, "team.claim_for_another"),
    ("claim", MEI, False, QIANG, MEI, False, "team.move_not_queued"),  # answering 阿强's chat
    ("takeover", MEI, False, QIANG, MEI, False, "team.takeover_needs_supervisor"),
    ("takeover", BOSS, True, QIANG, BOSS, False, None),  # the supervisor takes over (recorded)
    ("takeover", BOSS, True, QIANG, MEI, False, "team.move_bad"),  # a takeover is for oneself
    ("forward", MEI, False, MEI, QIANG, False, None),  # 转发 her own chat
    ("forward", MEI, False, None, QIANG, False, None),  # ... or a queued one
    ("forward", MEI, False, QIANG, MEI, False, "team.forward_to_self"),
    ("forward", MEI, False, QIANG, BOSS, False, "team.forward_not_yours"),
    ("forward", BOSS, True, QIANG, MEI, False, None),
    ("manual", MEI, False, None, QIANG, False, None),  # chat assign of a queued chat
    ("manual", MEI, False, MEI, QIANG, False, None),
    ("manual", MEI, False, QIANG, MEI, False, "team.reassign_needs_supervisor"),
    ("manual", BOSS, True, QIANG, MEI, False, None),
    ("breach", MEI, False, QIANG, BOSS, False, None),  # overdue: 阿强's chat goes to someone else
    ("breach", MEI, False, MEI, QIANG, False, None),  # ... her own overdue chat too
    ("breach", MEI, False, QIANG, MEI, False, "team.breach_to_self"),  # never to the agent moving it
    ("breach", BOSS, True, QIANG, BOSS, False, None),
    ("breach", MEI, False, None, QIANG, False, "team.move_bad"),  # a queued chat is distributed instead
    ("requeue", MEI, False, MEI, None, False, None),  # she goes offline: her chats queue
    ("requeue", MEI, False, QIANG, None, False, "team.requeue_other"),
    ("requeue", MEI, False, QIANG, None, True, None),  # 阿强 was taken offline (stale heartbeat)
    ("requeue", BOSS, True, QIANG, None, False, None),
    ("forward", MEI, False, MEI, MEI, False, "team.forward_to_self"),
    ("forward", MEI, False, QIANG, QIANG, False, "team.forward_not_yours"),  # his chat, to him
    ("forward", BOSS, True, QIANG, QIANG, False, "team.move_bad"),  # to the agent who has it
    ("manual", BOSS, True, QIANG, QIANG, False, "team.move_bad"),
    ("breach", MEI, False, QIANG, QIANG, False, "team.move_bad"),
    ("takeover", BOSS, True, BOSS, BOSS, False, "team.move_bad"),  # it is hers already
    ("takeover", MEI, False, QIANG, None, False, "team.move_bad"),
    ("steal", MEI, False, QIANG, MEI, False, "team.move_bad"),  # no such move
    ("steal", None, False, QIANG, MEI, False, None),  # the store owner (migrations, setup) passes
]
