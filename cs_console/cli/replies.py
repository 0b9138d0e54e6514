"""``cs-console replies …``: search the phrase set, render a phrase for a buyer, check a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    emit,
    err,
    fail,
    open_desk,
    resolve_agent,
    when,
)
from cs_console.config import ConfigError
from cs_console.config.locations import personal_replies_file, quick_replies_file
from cs_console.config.replies import load_phrases

app = typer.Typer(help="Quick replies (快捷短语): search, render, check.", no_args_is_help=True)


def _team_errors_or_fail(desk) -> None:
    if desk.replies.errors:
        fail("\n".join(desk.replies.errors), 2)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="Code, words, full pinyin or pinyin initials (qsd → 亲，稍等).")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="Most results.")] = 10,
    group: Annotated[str | None, typer.Option("--group", help="Only this scene (e.g. 物流).")] = None,
    agent: AgentOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Ranked phrases: exact code > code prefix > pinyin initials > pinyin > words > typos; then usage."""
    name = resolve_agent(agent, required=False) or None
    desk = open_desk(db)
    _team_errors_or_fail(desk)
    hits = desk.replies.search(query, name, limit=limit, group=group)
    rows = [{"code": h.phrase.code, "group": h.phrase.group, "title": h.phrase.title, "text": h.phrase.text,
             "score": h.score} for h in hits]
    emit(rows, as_json, "\n".join(f"{r['score']:>3}  /{r['code']:<8} [{r['group']}] {r['title']}: {r['text']}"
                                  for r in rows) or "no match")


@app.command()
def render(
    code: Annotated[str, typer.Argument(help="Shortcut code (with or without the leading /).")],
    buyer: Annotated[str, typer.Option("--buyer", help="Buyer nick (旺旺ID): fills from their chat and latest order.")],
    agent: AgentOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The phrase filled for one buyer; unfilled placeholders are reported on stderr (exit 0)."""
    name = resolve_agent(agent, required=False) or "客服"
    desk = open_desk(db)
    _team_errors_or_fail(desk)
    try:
        r = desk.replies.render(code, buyer, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    if r.filled.missing:
        err.print("unfilled: " + ", ".join("{" + m + "}" for m in r.filled.missing), markup=False)
    emit({"code": r.phrase.code, "text": r.filled.text, "cursor": r.filled.cursor, "missing": list(r.filled.missing)},
         as_json, r.filled.text)


@app.command()
def check(file: Annotated[Path | None, typer.Argument(help="Phrase file (default: the team's quick_replies.yaml).")] = None,
          agent: Annotated[str | None, typer.Option("--agent", help="Check this agent's own phrase file instead.")] = None,
          as_json: JsonOpt = False) -> None:
    """Validate a phrase file: prints FILE:LINE: reason for every problem and exits non-zero."""
    path = file or (personal_replies_file(agent) if agent else quick_replies_file())
    try:
        phrases = load_phrases(path)
    except ConfigError as exc:
        if as_json:
            emit({"file": str(path), "ok": False, "problems": exc.problems}, True)
            raise typer.Exit(1) from None
        fail(str(exc), 1)
    groups = list(dict.fromkeys(p.group for p in phrases))
    emit({"file": str(path), "ok": True, "phrases": len(phrases), "groups": groups}, as_json,
         f"{path}: ok, {len(phrases)} phrases in {len(groups)} groups")


@app.command()
def usage(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """How often each agent used each phrase (supervisor's report), most used first."""
    desk = open_desk(db)
    rows = [{"agent": a, "code": c, "uses": n, "last_used_at": when(t)} for a, c, n, t in desk.replies.usage_report()]
    emit(rows, as_json, "\n".join(f"{r['agent']:<12} /{r['code']:<8} {r['uses']:>5}  {r['last_used_at']}"
                                  for r in rows) or "no quick reply used yet")
