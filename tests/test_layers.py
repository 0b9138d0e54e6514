"""The core never imports the UI: domain and store load without Textual (STYLE.md §1)."""

import subprocess
import sys

import pytest

CHECK = """
import sys, pkgutil, importlib
import cs_console.{pkg} as pkg
for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + "."):
    importlib.import_module(m.name)
bad = sorted(n for n in sys.modules if n == "textual" or n.startswith(("textual.", "cs_console.tui")))
forbidden = {forbidden!r}
bad += sorted(n for n in sys.modules if any(n == f or n.startswith(f + ".") for f in forbidden))
print(",".join(bad))
"""


@pytest.mark.parametrize(
    ("pkg", "forbidden"),
    [
        ("domain", ["sqlmodel", "sqlalchemy", "cs_console.store", "cs_console.services", "cs_console.cli"]),
        ("store", ["cs_console.services", "cs_console.cli"]),
        ("gateway", ["cs_console.cli"]),
    ],
)
def test_core_does_not_import_ui(pkg, forbidden):
    out = subprocess.run([sys.executable, "-c", CHECK.format(pkg=pkg, forbidden=forbidden)],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""
