"""Use-cases shared by the TUI and the CLI: domain rules + store writes, one transaction each."""

from cs_console.services.desk import Desk, make_desk

__all__ = ["Desk", "make_desk"]
