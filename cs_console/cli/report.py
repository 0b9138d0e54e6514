"""``cs-console report day|week [--date D] [--agent A] [--json] [--csv FILE]``: the day's / week's report."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from cs_console.cli.common import DbOpt, JsonOpt, emit, fail, open_desk, quick_store, read_policy
from cs_console.domain.terminal import terminal_safe

if TYPE_CHECKING:
    from cs_console.domain.report import Report

app = typer.Typer(help="报表：日报、周报；可导出 CSV。", no_args_is_help=True)

DateOpt = Annotated[str | None, typer.Option("--date", help="日期 YYYY-MM-DD（日报默认今天；周报可填该周任意一天，默认上周）。")]
ReportAgentOpt = Annotated[str | None, typer.Option("--agent", help="只显示这位客服的一行（以及合计）。")]
CsvOpt = Annotated[Path | None, typer.Option("--csv", help="同时把各行写入这个 CSV 文件（带 BOM 的 UTF-8，便于 Excel 打开）。")]


def _day(text: str | None, default: date) -> date:
    from cs_console.domain.followups import parse_day

    if text is None:
        return default
    try:
        return parse_day(text)
    except ValueError as exc:
        fail(f"error: {exc}")


def _output(report: Report, as_json: bool, csv_path: Path | None) -> None:
    from cs_console.domain.report import COLUMNS, report_rows
    from cs_console.services.reports import write_csv

    rows = report_rows(report)
    if csv_path is not None:
        write_csv(csv_path, report)
    data = {"kind": report.kind, "start": report.start.isoformat(), "end": report.end.isoformat(), "rows": rows,
            "first_response_by_hour": report.first_response_by_hour,
            "sales_by_hour": {h: str(v) for h, v in report.sales_by_hour.items()},
            "conversion_by_agent": {a: str(v) for a, v in report.conversion_by_agent.items()}}
    if as_json:
        emit(data, True)
        return
    title = f"{'日报' if report.kind == 'day' else '周报'} {report.start}" + (
        f" – {report.end}" if report.end != report.start else "")
    table = Table(title=title)
    table.add_column("")
    for r in rows:  # one column per agent, then the total: fits 80 columns for a few agents
        table.add_column(Text(terminal_safe(str(r["agent"]))), justify="right")  # a name is never markup
    for key, label in COLUMNS[1:]:
        table.add_row(label, *(_cell(r[key]) for r in rows))
    Console(highlight=False).print(table)


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def _report(kind: str, when: str | None, agent: str | None, db: str | None) -> Report:
    """The day's report (``when``, default today) or the week's (the week of ``when``, default
    last week): on a current SQLite store read through ``sqlite3`` alone (``store.report_sql``),
    else through the desk."""
    from cs_console.domain.report import local_date, week_of

    conn = quick_store(db)
    if conn is None:
        desk = open_desk(db)
        today = desk.reports.today()
        if kind == "day":
            return desk.reports.day(_day(when, today), agent)
        return desk.reports.week(_day(when, today - timedelta(days=7)), agent)
    from cs_console.domain.clock import system_clock
    from cs_console.services.reports import period_report
    from cs_console.store.quick_read import snapshot
    from cs_console.store.report_sql import period_facts_quick

    policy = read_policy()
    tz, now = policy.shop.timezone, system_clock()()
    today = local_date(now, tz)
    first, last = (_day(when, today),) * 2 if kind == "day" else week_of(_day(when, today - timedelta(days=7)))
    with snapshot(conn):
        return period_report(kind, first, last, agent, tz=tz, thresholds=policy.response,
                             window_hours=policy.reports.conversion_window_hours, now=now,
                             read_facts=lambda *args: period_facts_quick(conn, *args))


@app.command()
def day(when: DateOpt = None, agent: ReportAgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
        csv_path: CsvOpt = None) -> None:
    """日报：咨询、接待、首次响应、转化、销售额、售后。"""
    _output(_report("day", when, agent, db), as_json, csv_path)


@app.command()
def week(when: DateOpt = None, agent: ReportAgentOpt = None, db: DbOpt = None, as_json: JsonOpt = False,
         csv_path: CsvOpt = None) -> None:
    """周报（周一汇报）：--date 所在那一周的周一到周日（默认：上周）。"""
    _output(_report("week", when, agent, db), as_json, csv_path)
