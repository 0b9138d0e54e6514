"""``cs-console sync OTHER``: merge the handover books of two stores, both directions.

A Typer group whose callback is the command, so it registers like every other sub-command
group (``app.add_typer(sync.app, name="sync")``) and still reads ``cs-console sync OTHER``.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cs_console.cli.common import DbOpt, JsonOpt, emit, err, fail, open_desk
from cs_console.store.engine import StoreError

app = typer.Typer(invoke_without_command=True, context_settings={"allow_interspersed_args": True})


@app.callback()
def sync(other: Annotated[str, typer.Argument(help="The other store: a SQLite path or postgresql:// URL.")],
         db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Merge the handover books of this store and OTHER, both directions (union; idempotent)."""
    desk = open_desk(db)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  console=err, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(phase: str, done: int, total: int) -> None:
            label = {"compare": "比较", "send": "发送", "receive": "接收"}.get(phase, phase)
            if phase not in tasks:
                tasks[phase] = bar.add_task(label, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        try:
            res = desk.handover.sync(other, progress)
        except StoreError as exc:
            fail(f"error: {exc}", 2)
    emit(res.as_dict(), as_json, f"sent {res.sent}, received {res.received}")
