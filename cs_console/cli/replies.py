"""``cs-console replies …``: search the phrase set, render a phrase for a buyer, check a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cs_console.cli.common import (
    AgentOpt,
    DbOpt,
    JsonOpt,
    config_error,
    emit,
    err,
    fail,
    open_desk,
    quick_store,
    resolve_agent,
    when,
)
from cs_console.domain.messages import render as message

app = typer.Typer(help="快捷短语：搜索、填充、检查、导入导出。", no_args_is_help=True)


def _team_errors_or_fail(replies) -> None:
    if replies.errors:
        fail("\n".join(replies.errors), 2)


@app.command()
def search(
    query: Annotated[str, typer.Argument(help="编码、文字、全拼或拼音首字母（qsd → 亲，稍等）。")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=200, help="最多显示的条数。")] = 10,
    group: Annotated[str | None, typer.Option("--group", help="只看这个场景（如 物流）。")] = None,
    agent: AgentOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """按相关度排列的短语：编码完全匹配 > 编码前缀 > 拼音首字母 > 全拼 > 文字 > 错别字；再按使用次数。"""
    name = resolve_agent(agent, required=False) or None
    conn = quick_store(db)
    if conn is None:
        replies = open_desk(db).replies
        _team_errors_or_fail(replies)
        hits = replies.search(query, name, limit=limit, group=group)
    else:  # a current SQLite store: the usage counts through sqlite3 alone, no desk
        from cs_console.domain.clock import system_clock
        from cs_console.services.replies import ReplyService
        from cs_console.store.quick_read import snapshot
        from cs_console.store.reply_usage import usage_counts_quick

        with snapshot(conn):
            replies = ReplyService(None, None, system_clock(), usage_counts=lambda a: usage_counts_quick(conn, a),
                                   one_shot=True)
            _team_errors_or_fail(replies)  # the phrase set alone: the shop's policy is not read
            hits = replies.search(query, name, limit=limit, group=group)
    rows = [{"code": h.phrase.code, "group": h.phrase.group, "title": h.phrase.title, "text": h.phrase.text,
             "score": h.score} for h in hits]
    emit(rows, as_json, "\n".join(f"{r['score']:>3}  /{r['code']:<8} [{r['group']}] {r['title']}: {r['text']}"
                                  for r in rows) or "没有匹配的短语")


@app.command()
def render(
    code: Annotated[str, typer.Argument(help="短语编码（可带或不带开头的 /）。")],
    buyer: Annotated[str, typer.Option("--buyer", help="买家旺旺ID：从其会话和最近的订单填写占位符。")],
    agent: AgentOpt = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """为某位买家填好占位符的短语；未能填写的占位符在标准错误输出中列出（退出码 0）。"""
    name = resolve_agent(agent, required=False) or "客服"
    desk = open_desk(db)
    _team_errors_or_fail(desk.replies)
    try:
        r = desk.replies.render(code, buyer, name)
    except LookupError as exc:
        fail(f"error: {exc}")
    if r.filled.missing:
        err.print("unfilled: " + ", ".join("{" + m + "}" for m in r.filled.missing), markup=False)
    emit({"code": r.phrase.code, "text": r.filled.text, "cursor": r.filled.cursor, "missing": list(r.filled.missing)},
         as_json, r.filled.text)


@app.command()
def check(file: Annotated[Path | None, typer.Argument(help="短语文件（默认：团队的 quick_replies.yaml）。")] = None,
          agent: Annotated[str | None, typer.Option("--agent", help="改为检查这位客服自己的短语文件。")] = None,
          as_json: JsonOpt = False) -> None:
    """检查短语文件：每个问题输出“文件:行号: 原因”，有问题时以非零退出码结束。"""
    from cs_console.config.locations import personal_replies_file, quick_replies_file
    from cs_console.config.replies import load_phrases

    path = file or (personal_replies_file(agent) if agent else quick_replies_file())
    try:
        phrases = load_phrases(path)
    except config_error() as exc:
        if as_json:
            emit({"file": str(path), "ok": False, "problems": exc.problems}, True)
            raise typer.Exit(1) from None
        fail(str(exc), 1)
    groups = list(dict.fromkeys(p.group for p in phrases))
    emit({"file": str(path), "ok": True, "phrases": len(phrases), "groups": groups}, as_json,
         message("phrases.check_ok", path=path, phrases=len(phrases), groups=len(groups)))


@app.command()
def usage(db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """每位客服使用每条短语的次数（主管报表），最常用的在前。"""
    desk = open_desk(db)
    rows = [{"agent": a, "code": c, "uses": n, "last_used_at": when(t)} for a, c, n, t in desk.replies.usage_report()]
    emit(rows, as_json, "\n".join(f"{r['agent']:<12} /{r['code']:<8} {r['uses']:>5}  {r['last_used_at']}"
                                  for r in rows) or "还没有用过快捷短语")


def _target(desk, into: str, agent: str | None) -> Path:
    if agent:
        return desk.replies.personal_file(agent)
    if into != "team":
        fail("error: " + message("phrases.into", value=into), 2)
    return desk.replies.team_file


def _conflict_table(conflicts) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="同一编码、不同内容（未覆盖）", show_lines=True)
    for col in ("编码", "行", "现有", "导入"):
        table.add_column(col, overflow="fold")
    for c in conflicts:
        table.add_row(Text(c.code), Text(str(c.line)), Text(c.existing), Text(c.incoming))
    err.print(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="千牛 CSV（快捷短语编码,…）、快捷编码格式，或 Chatwoot JSON。")],
    into: Annotated[str, typer.Option("--into", help="导入到哪里：team 表示团队共用的 quick_replies.yaml。")] = "team",
    agent: Annotated[str | None, typer.Option("--agent", help="改为导入这位客服自己的短语文件。")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只显示将会发生的变化，不写入。")] = False,
    skip_bad: Annotated[bool, typer.Option("--skip-bad", help="导入正确的行，并报告有问题的行。")] = False,
    on_conflict: Annotated[str, typer.Option("--on-conflict", help="编码相同、内容不同时：refuse 拒绝（默认）、"
                                             "keep 保留我们的，或 replace 用文件里的替换。")] = "refuse",
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """从千牛或其他工具导入快捷短语；除非用 --skip-bad，否则要么全部导入要么都不导入。"""
    from cs_console.services.reply_exchange import (
        CONFLICT_CHOICES,
        PhraseImportRefused,
        import_phrases,
    )

    if on_conflict not in CONFLICT_CHOICES:
        fail("error: " + message("phrases.on_conflict", choices="、".join(CONFLICT_CHOICES), value=on_conflict), 2)
    desk = open_desk(db)
    target = _target(desk, into, agent)
    try:
        result = import_phrases(desk.replies, file, target, dry_run=dry_run, skip_bad=skip_bad,
                                on_conflict=on_conflict)
    except PhraseImportRefused as exc:
        r = exc.result
        for p in r.problems:
            err.print(p, markup=False, highlight=False)
        if r.conflicts:
            _conflict_table(r.conflicts)
        if as_json:
            emit(r.as_dict(), True)
        hint = ("；用 --skip-bad 只导入正确的行" if r.problems and not skip_bad else "")
        if r.conflicts and on_conflict == "refuse":
            hint += "；用 --on-conflict keep 保留现有，或 --on-conflict replace 用文件里的内容"
        fail(f"错误：{len(r.problems)} 行有问题，{len(r.conflicts)} 处冲突；什么都没有写入{hint}")
    for line, old, new in result.renamed:
        err.print(f"{file}:{line}: 编码 {old!r} 不能用作快捷编码，改为 {new}", markup=False, highlight=False)
    for p in result.problems:
        err.print(f"跳过 {p}", markup=False, highlight=False)
    if result.conflicts and on_conflict == "keep":
        _conflict_table(result.conflicts)
    verb = "将导入" if dry_run else "已导入"
    emit(result.as_dict(), as_json,
         f"{verb} {len(result.new)} 条到 {target}（分组：{'、'.join(result.groups) or '无'}）；"
         f"相同已有 {result.unchanged} 条；替换 {len(result.replaced)} 条；冲突 {len(result.conflicts)} 条"
         + ("（演练，未写入）" if dry_run else ""))


@app.command("export")
def export(
    file: Annotated[Path, typer.Argument(help="写到哪个文件。")],
    fmt: Annotated[str, typer.Option("--format", help="格式：qianniu（GBK CSV）、chatwoot（JSON）或 yaml。")],
    agent: Annotated[str | None, typer.Option("--agent", help="改为导出这位客服自己的短语。")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """导出团队（或某位客服）的短语，供其他工具读取。"""
    from cs_console.services.reply_exchange import FORMATS, export_phrases

    if fmt not in FORMATS:
        fail("error: " + message("phrases.format", choices="、".join(FORMATS), value=fmt), 2)
    desk = open_desk(db)
    source = desk.replies.personal_file(agent) if agent else desk.replies.team_file
    try:
        n = export_phrases(desk.replies, fmt, file, source, desk.clock().isoformat())
    except config_error() as exc:
        fail(str(exc), 2)
    except (ValueError, OSError) as exc:
        fail(f"错误：{exc}")
    emit({"file": str(file), "format": fmt, "phrases": n}, as_json, f"已导出 {n} 条快捷短语到 {file}（{fmt}）")
