"""Report screen (日报 / 周报): per-agent figures and three terminal charts (textual-plotext).

Keys: d 日报 · w 周报 · ←/→ previous/next period · e export CSV · Esc close. Each chart keeps the
numbers it draws in ``series`` (tests check those, not pixels).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Label
from textual.worker import Worker
from textual_plotext import PlotextPlot

from cs_console.domain.report import COLUMNS, Report, report_rows
from cs_console.services.reports import write_csv
from cs_console.tui.footer import DeskFooter
from cs_console.tui.store_reads import deliver


class ReportChart(PlotextPlot):
    """A bar chart whose data stays inspectable: ``series = (labels, values)``."""

    def __init__(self, title: str, *, id: str):
        super().__init__(id=id)
        self.chart_title = title
        self.series: tuple[list[str], list[float]] = ([], [])

    def set_series(self, labels: list[str], values: list[float]) -> None:
        self.series = (labels, values)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.title(self.chart_title)
        if labels:
            plt.bar(labels, values)
        self.refresh()


def _cell(value: object) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


class ReportScreen(Screen[None]):
    DEFAULT_CSS = """
    ReportScreen #report-title { height: 1; text-style: bold; padding: 0 1; background: $primary-darken-2; }
    ReportScreen #report-table { height: 1fr; min-height: 8; }
    ReportScreen #report-charts { height: 1fr; min-height: 10; }
    ReportScreen ReportChart { width: 1fr; }
    """
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "关闭", id="report.close"),
        Binding("d", "kind('day')", "日报", id="report.day"),
        Binding("w", "kind('week')", "周报", id="report.week"),
        Binding("left,[", "step(-1)", "上一期", id="report.prev"),
        Binding("right,]", "step(1)", "下一期", id="report.next"),
        Binding("e", "export", "导出CSV", id="report.export"),
    ]

    def __init__(self, kind: str = "day", day: date | None = None, export_dir: Path | None = None):
        super().__init__()
        self.kind, self.day = kind, day
        self.export_dir = export_dir  # None: the user's export folder (config/locations.export_dir)
        self.report: Report | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", id="report-title")
            yield DataTable(id="report-table", zebra_stripes=True, cursor_type="row")
            with Horizontal(id="report-charts"):
                yield ReportChart("首响中位(秒)/小时", id="chart-first-response")
                yield ReportChart("转化率%/客服", id="chart-conversion")
                yield ReportChart("销售额/小时", id="chart-sales")
        yield DeskFooter()

    def on_mount(self) -> None:
        if self.day is None:
            self.day = self.app.desk.reports.today()
        self.load()

    def load(self) -> Worker:
        """Compute the report in a thread; table and charts follow when it is ready."""
        return self._read(self.kind, self.day)

    @work(thread=True, exclusive=True, group="report-read")
    def _read(self, kind: str, day: date) -> None:
        reports = self.app.desk.reports
        deliver(self, lambda: reports.day(day) if kind == "day" else reports.week(day),
                lambda r: (kind, day) == (self.kind, self.day) and self._show(r), "报表")

    def _show(self, r: Report) -> None:
        self.report = r
        label = "日报" if r.kind == "day" else "周报"
        span = f"{r.start}" if r.start == r.end else f"{r.start} – {r.end}"
        self.query_one("#report-title", Label).update(Text(f"{label} {span}   d日报 w周报 ←→翻页 e导出"))
        rows = report_rows(r)
        table = self.query_one(DataTable)
        table.clear(columns=True)
        # widths given, not measured as rows arrive (a frame could show them half measured)
        table.add_column("", key="metric", width=max(cell_len(label_) for _, label_ in COLUMNS[1:]))
        for row in rows:
            cells = [str(row["agent"]), *(_cell(row[key]) for key, _ in COLUMNS[1:])]
            table.add_column(cells[0], key=cells[0], width=max(cell_len(c) for c in cells))
        for key, label_ in COLUMNS[1:]:
            table.add_row(label_, *(_cell(row[key]) for row in rows), key=key)
        fr = r.first_response_by_hour
        self.query_one("#chart-first-response", ReportChart).set_series([f"{h}时" for h in fr], list(fr.values()))
        conv = r.conversion_by_agent
        self.query_one("#chart-conversion", ReportChart).set_series(list(conv), [float(v) for v in conv.values()])
        sales = r.sales_by_hour
        self.query_one("#chart-sales", ReportChart).set_series([f"{h}时" for h in sales],
                                                               [float(v) for v in sales.values()])

    def action_kind(self, kind: str) -> None:
        self.kind = kind
        self.load()

    def action_step(self, n: int) -> None:
        self.day += timedelta(days=n if self.kind == "day" else 7 * n)
        self.load()

    def action_export(self) -> None:
        """Ask for the folder (the last one, or the user's export folder), then write the CSV."""
        from cs_console.config import ConfigError
        from cs_console.config.locations import export_dir
        from cs_console.tui.dialogs import TextPrompt

        if self.report is None:
            return
        try:
            folder = self.export_dir or export_dir()
        except ConfigError as exc:
            self.app.notify(f"设置文件有误：{exc}", severity="error")
            return
        self.app.push_screen(TextPrompt("导出 CSV 到文件夹", "文件夹路径", str(folder)), callback=self._export_to)

    def _export_to(self, folder: str | None) -> None:
        if not folder or not folder.strip() or self.report is None:
            return
        target = Path(folder.strip()).expanduser()
        path = target / f"report-{self.report.kind}-{self.report.start}.csv"
        try:
            target.mkdir(parents=True, exist_ok=True)
            write_csv(path, self.report)
        except OSError as exc:
            self.app.notify(f"导出失败：{exc.strerror or exc}", severity="error")
            return
        self.export_dir = target  # the next export offers the same folder
        self.app.notify(f"已导出 {path}", timeout=4)
