"""Files that must be refused whole (FILE:LINE: reason, non-zero exit, store unchanged), the audit
of what a re-import changes, and writers of other processes during an import."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cs_console.cli import app
from cs_console.services.orders import ImportRejected
from tests.export_fixtures import (
    ITEMS10,
    ITEMS28,
    L46,
    L61,
    Line,
    Ord,
    csv_bytes,
    items_csv,
    order_value,
    orders_csv,
)

NOS = [f"35153131473293{k:03d}" for k in range(1, 6)]


def shipped(k: int, tracking: str = "", courier: str = "") -> Ord:
    return Ord(NOS[k], state="卖家已发货，等待买家确认", tracking=tracking or f"77301122334{k}", courier=courier or "中通快递")


@pytest.fixture
def imported(desk, tmp_path):
    path = orders_csv(tmp_path / "orders.csv", L46, [shipped(k) for k in range(5)])
    desk.orders.import_files(path)
    return path


def store_state(desk):
    return [(o.order_no, o.state, o.tracking_no, o.courier, o.amount, len(o.items)) for o in desk.orders.list()]


def refused(desk, *files) -> list[str]:
    with pytest.raises(ImportRejected) as exc:
        desk.orders.import_files(*files)
    return [str(r) for r in exc.value.rejected]


def test_truncated_export_is_refused_and_keeps_tracking_numbers(desk, imported, tmp_path):
    before = store_state(desk)
    data = imported.read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: data.index(b"\r\n", len(data) // 2) - 40] + b"\r\n")  # the last row loses its tail
    problems = refused(desk, cut)
    assert len(problems) == 1 and problems[0].startswith(f"{cut}:")
    assert "列，表头有 46 列（行被截断或错位）" in problems[0]
    assert store_state(desk) == before


def test_long_row_is_refused(desk, imported, tmp_path):
    rows = [[order_value(h, shipped(k)) for h in L46] for k in range(2)]
    rows[1] = rows[1][:20] + ["多出来的"] + rows[1][20:]
    path = tmp_path / "long.csv"
    path.write_bytes(csv_bytes(L46, rows[:1]) + csv_bytes(L46 + ["x"], [rows[1]]).split(b"\r\n", 1)[1])
    assert refused(desk, path) == [f"{path}:3: 这一行有 47 列，表头有 46 列（行错位，或有没加引号的逗号）"]


@pytest.mark.parametrize(("header", "items"), [
    (ITEMS10, [Line(NOS[0]), Line(NOS[0], title="x"), Line(NOS[0])]),  # an identical row
    (ITEMS28, [Line(NOS[0], sub_no="81"), Line(NOS[0], sub_no="82"), Line(NOS[0], sub_no="81", title="again")]),
])
def test_duplicate_item_rows_are_refused(desk, imported, tmp_path, header, items):
    path = items_csv(tmp_path / "items.csv", header, items)
    assert refused(desk, imported, path) == [
        f"{path}:4: 这一行宝贝与第 2 行重复（会多出一行订单商品）"]
    assert desk.orders.show(NOS[0]).items == ()


def test_repeated_order_rows_are_refused(desk, tmp_path):
    path = orders_csv(tmp_path / "o.csv", L61, [shipped(0), shipped(1), shipped(0)])
    assert refused(desk, path) == [f"{path}:4: 订单 {NOS[0]} 与第 2 行重复"]
    assert desk.orders.list() == []


@pytest.mark.parametrize(("content", "line", "reason"), [
    (b"", 1, "文件是空的"),
    (b"\r\n\r\n", 1, "文件是空的"),
    (",".join(f'"{h}"' for h in L61).encode("gbk") + b"\r\n", 2, "表头之后没有数据行"),
    (",".join(f'"{h}"' for h in L61).encode("gbk") + b"\r\n\r\n\r\n", 2, "表头之后没有数据行"),
])
def test_empty_files_are_refused(desk, tmp_path, content, line, reason):
    path = tmp_path / "empty.csv"
    path.write_bytes(content)
    assert refused(desk, path) == [f"{path}:{line}: {reason}"]


def test_empty_file_exits_non_zero_on_the_cli(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    res = CliRunner().invoke(app, ["orders", "import", str(path), "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 1 and f"{path}:1: 文件是空的" in res.stderr and "Traceback" not in res.output


@pytest.mark.parametrize(("extra", "reason"), [
    ({"总金额": "1" * 28}, "总金额过大"),
    ({"买家应付货款": "100000000.00"}, "买家应付货款过大"),
    ({"买家应付货款": "１２９.００"}, "买家应付货款不是有效金额：「１２９.００」"),
    ({"买家应付邮费": "٥.٠٠"}, "买家应付邮费不是有效金额"),
    ({"总金额": "135.001"}, "总金额不是有效金额：「135.001」"),
    ({"订单备注": "长" * 3000}, "订单备注有 3000 个字（最多 2000 个）"),
    ({"订单创建时间": "9999-01-01 00:00:00"}, "时间超出范围"),
    ({"订单编号": "１２３"}, "订单编号看不懂"),
    ({"订单状态": "已发货到火星"}, "未知的订单状态「已发货到火星」"),
])
def test_bad_values_are_refused_with_a_reason(desk, tmp_path, extra, reason):
    path = orders_csv(tmp_path / "o.csv", L61, [shipped(0), Ord(NOS[1], extra=extra)], encoding="gb18030")
    problems = refused(desk, path)
    assert len(problems) == 1 and problems[0].startswith(f"{path}:3: {reason}")
    assert desk.orders.list() == []


@pytest.mark.parametrize(("qty", "reason"), [("²", "「²」"), ("３", "「３」"), ("0", "「0」"), ("1" * 30, "「11111111111111111111…」"),
                                             ("-1", "「-1」"), ("2.5", "「2.5」")])
def test_bad_quantities_are_refused(desk, imported, tmp_path, qty, reason):
    path = items_csv(tmp_path / "i.csv", ITEMS10, [Line(NOS[0], qty=qty)], encoding="gb18030")
    problems = refused(desk, imported, path)
    assert len(problems) == 1 and f"{path}:2: 购买数量须为 1–99999 的整数：{reason}" in problems[0]


def test_a_one_megabyte_cell_is_refused_not_a_traceback(tmp_path):
    path = orders_csv(tmp_path / "o.csv", L61, [shipped(0), Ord(NOS[1], extra={"买家留言": "长" * 1_000_000})])
    res = CliRunner().invoke(app, ["orders", "import", str(path), "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 1 and "Traceback" not in res.output
    assert f"{path}:3: 有一个单元格超过 131072 个字" in res.stderr


def test_reimport_changes_are_audited_with_who_when_old_new_reason(desk, imported, tmp_path, clock):
    clock.advance(hours=2)
    again = orders_csv(tmp_path / "ExportOrderList202611231200.csv", L46,
                       [shipped(0, tracking="SF1234567890", courier="顺丰速运"), *[shipped(k) for k in range(1, 5)]])
    summary = desk.orders.import_files(again)
    assert (summary.imported, summary.updated) == (0, 5)
    trail = [(a.agent, a.at, a.field, a.old, a.new, a.reason) for a in desk.orders.audit(NOS[0])]
    reason = "import ExportOrderList202611231200.csv"
    assert trail == [("导入", clock.now, "tracking_no", "773011223340", "SF1234567890", reason),
                     ("导入", clock.now, "courier", "中通快递", "顺丰速运", reason)]
    assert desk.orders.audit(NOS[1]) == []
    desk.orders.import_files(again)  # the same file again: nothing changes, nothing new on the trail
    assert len(desk.orders.audit(NOS[0])) == 2


def test_skip_bad_imports_the_rest_and_reports_the_bad(desk, tmp_path):
    path = orders_csv(tmp_path / "o.csv", L61, [shipped(0), Ord(NOS[1], goods="x"), shipped(0), shipped(2)])
    summary = desk.orders.import_files(path, skip_bad=True)
    assert summary.imported == 2 and [str(r) for r in summary.rejected] == [
        f"{path}:3: 买家应付货款不是有效金额：「x」", f"{path}:4: 订单 {NOS[0]} 与第 2 行重复"]


def test_another_process_writes_while_the_file_is_staged(desk, db_path, tmp_path):
    """The staging holds no lock on the store: `chat inject` from another process is stored at once."""
    path = orders_csv(tmp_path / "o.csv", L61, [Ord(f"35153131473{k:05d}") for k in range(12_000)])
    results = []

    def progress(done: int, total: int) -> None:
        if not results and done < total:  # mid-file: rows are being staged
            results.append(subprocess.run(
                [sys.executable, "-m", "cs_console", "chat", "inject", "在吗？什么时候发货", "--buyer", "tb_催单",
                 "--db", str(db_path), "--json"], capture_output=True, text=True, timeout=60))

    summary = desk.orders.import_files(path, progress=progress)
    assert summary.imported == 12_000
    assert len(results) == 1 and results[0].returncode == 0, results[0].stderr
    assert json.loads(results[0].stdout)["buyer"] == "tb_催单"
    assert [m.text for m in desk.chats.log("tb_催单")] == ["在吗？什么时候发货"]


def test_unreadable_file(desk, tmp_path):
    assert refused(desk, tmp_path / "nope.csv")[0].startswith(f"{tmp_path / 'nope.csv'}:0: 无法读取：文件不存在")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04garbage")
    assert refused(desk, bad) == [f"{bad}:0: 不是可以读取的 xlsx 文件（BadZipFile）"]
    assert Path(bad).exists()


def test_escape_sequences_from_the_file_never_reach_the_terminal(desk, tmp_path):
    header = L61 + ["\x1b]52;c;ZXZpbA==\x07恶意列"]
    rows = [[order_value(h, shipped(0)) for h in L61] + ["x"],
            [order_value(h, Ord(NOS[1], state="\x1b[2J已发货")) for h in L61] + ["y"]]
    path = tmp_path / "o.csv"
    path.write_bytes(csv_bytes(header, rows))
    problems = refused(desk, path)
    assert problems == [f"{path}:3: 未知的订单状态「\\x1b[2J已发货」"]  # a visible escape, not a raw one
    assert "\x1b" not in problems[0]
    ok = tmp_path / "ok.csv"
    ok.write_bytes(csv_bytes(header, rows[:1]))
    assert desk.orders.import_files(ok).ignored_columns == {str(ok): ["恶意列"]}


def test_a_19_digit_number_typed_as_a_number_in_xlsx_is_refused(desk, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    book.active.append([h.strip() for h in L61])
    row = [order_value(h, shipped(0)).lstrip("'") for h in L61]
    row[0] = 3515313147329357912  # Excel keeps 15 significant digits of a number cell
    book.active.append(row)
    book.save(tmp_path / "o.xlsx")
    problems = refused(desk, tmp_path / "o.xlsx")
    assert len(problems) == 1 and problems[0].startswith(f"{tmp_path / 'o.xlsx'}:2: 订单编号看不懂")


def test_a_file_unreadable_past_a_line_is_refused_even_with_skip_bad(desk, tmp_path):
    path = orders_csv(tmp_path / "o.csv", L61, [shipped(0), shipped(1)])
    path.write_bytes(path.read_bytes() + '"未闭合的备注\r\n'.encode("gbk"))
    with pytest.raises(ImportRejected) as exc:
        desk.orders.import_files(path, skip_bad=True)
    assert [str(r) for r in exc.value.rejected] == [f"{path}:4: 引号打开后没有关上（文件被截断了？）"]
    assert desk.orders.list() == []


INJECTOR = """
import sys, time, pathlib
from cs_console.services.desk import make_desk
desk = make_desk(sys.argv[1])
flag = pathlib.Path(sys.argv[2])
pathlib.Path(sys.argv[3]).touch()  # ready
while not flag.exists():
    time.sleep(0.005)
t0 = time.perf_counter()
desk.chats.inject("tb_催单", "在吗？什么时候发货")
print(round(time.perf_counter() - t0, 3))
"""


def test_a_message_written_during_the_merge_waits_its_turn_and_is_stored(desk, db_path, tmp_path, monkeypatch):
    """The merge is short transactions with pauses: a writer of another process gets in between."""
    from cs_console.store import order_staging

    monkeypatch.setattr(order_staging, "MERGE_CHUNK", 500)
    path = orders_csv(tmp_path / "o.csv", L61, [Ord(f"35153131473{k:05d}") for k in range(8_000)])
    flag, ready = tmp_path / "go", tmp_path / "ready"
    injector = subprocess.Popen([sys.executable, "-c", INJECTOR, str(db_path), str(flag), str(ready)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ready.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert ready.exists()
    merging = []

    def progress(done: int, total: int) -> None:
        if done * 5 >= total * 4 and not merging:  # the first range is written: the merge is under way
            merging.append(done)
            flag.touch()

    summary = desk.orders.import_files(path, progress=progress)
    out, errors = injector.communicate(timeout=60)
    assert summary.imported == 8_000 and merging
    assert injector.returncode == 0, errors
    assert [m.text for m in desk.chats.log("tb_催单")] == ["在吗？什么时候发货"]
