"""Layering of the handover feature: domain rules are pure, the store never imports the UI."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(m.split('.')[0] for m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(out.split())


def test_domain_is_pure():
    for module in ("cs_console.domain.handover", "cs_console.domain.shifts", "cs_console.domain.handover_file"):
        assert not {"sqlalchemy", "sqlmodel", "textual"} & loaded_after(module), module


def test_store_and_services_never_import_textual():
    for module in ("cs_console.store.sync", "cs_console.services.handover", "cs_console.services.shift_end"):
        assert "textual" not in loaded_after(module), module
