"""A real pseudo-terminal driving a TUI process, read back through a terminal emulator (pyte).

What an agent feels is "key pressed → glyphs on the screen". ``Terminal`` starts a program on
the slave side of a pty (120×40 by default), a reader thread takes every byte the program
writes and stamps it with the time it arrived, and ``wait_for`` feeds those bytes into a pyte
screen until a condition on the visible text holds — returning the arrival time of the chunk
that made it true (the emulator's own parsing time is not charged to the program).
"""

from __future__ import annotations

import fcntl
import os
import pty
import queue
import re
import signal
import struct
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pyte
from wcwidth import wcwidth

CLK_TCK = os.sysconf("SC_CLK_TCK")


class TerminalTimeout(RuntimeError):
    """The screen never showed what was waited for; the message carries the last screen."""


class Terminal:
    def __init__(self, argv: list[str], *, cols: int = 120, rows: int = 40, env: dict | None = None,
                 cwd: str | None = None):
        self.cols, self.rows = cols, rows
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self._chunks: queue.Queue[tuple[float, bytes] | None] = queue.Queue()
        full_env = {**os.environ, "TERM": "xterm-256color", "COLORTERM": "truecolor",
                    "COLUMNS": str(cols), "LINES": str(rows), **(env or {})}
        full_env.pop("TEXTUAL_DRIVER", None)
        self.started = time.perf_counter()
        pid, fd = pty.fork()
        if pid == 0:  # child: exec the program on the pty
            try:
                if cwd:
                    os.chdir(cwd)
                os.execvpe(argv[0], argv, full_env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.last_arrival = self.started

    # ---- output ----------------------------------------------------------------------------
    def _read(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:
                data = b""
            if not data:
                self._chunks.put(None)
                return
            self._chunks.put((time.perf_counter(), data))

    def _feed(self, timeout: float) -> bool:
        """Feed one chunk (waiting up to ``timeout``); False when nothing came."""
        try:
            item = self._chunks.get(timeout=timeout)
        except queue.Empty:
            return False
        if item is None:
            raise TerminalTimeout("the program exited\n" + self.text())
        self.last_arrival, data = item
        self.stream.feed(data)
        return True

    def text(self) -> str:
        """The visible screen as text (one line per row; a wide glyph's second cell skipped)."""
        lines = []
        for y in range(self.rows):
            row, out, x = self.screen.buffer[y], [], 0
            while x < self.cols:
                ch = row[x].data
                out.append(ch or " ")
                x += 2 if ch and wcwidth(ch[0]) == 2 else 1
            lines.append("".join(out))
        return "\n".join(lines)

    def wait_for(self, condition: Callable[[str], bool] | str, timeout: float = 30.0) -> float:
        """Block until ``condition(screen text)`` holds (a string: it is on the screen); return
        the perf_counter time at which the deciding bytes arrived."""
        check = (lambda t: condition in t) if isinstance(condition, str) else condition
        if check(self.text()):
            return self.last_arrival
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self._feed(0.05):
                continue
            while not self._chunks.empty():  # drain what is already there before looking
                if not self._feed(0):
                    break
                if check(self.text()):
                    return self.last_arrival
            if check(self.text()):
                return self.last_arrival
        raise TerminalTimeout(f"screen never showed the expected text in {timeout:.0f} s\n{self.text()}")

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Consume output until the program has written nothing for ``quiet`` seconds."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if not self._feed(quiet):
                return

    # ---- input -----------------------------------------------------------------------------
    def send(self, data: str | bytes) -> float:
        """Write keys to the program; returns the time they were written."""
        raw = data.encode() if isinstance(data, str) else data
        t = time.perf_counter()
        os.write(self.fd, raw)
        return t

    # ---- the process -----------------------------------------------------------------------
    def cpu_seconds(self) -> float:
        """User + system CPU time of the program so far (its own process)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def rss_mb(self) -> float:
        """Peak resident memory (VmHWM) of the program, MB."""
        status = Path(f"/proc/{self.pid}/status").read_text()
        m = re.search(r"VmHWM:\s+(\d+) kB", status)
        return int(m.group(1)) / 1024 if m else 0.0

    def close(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            for _ in range(50):
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    break
                time.sleep(0.02)
            else:
                continue
            break
        try:
            os.close(self.fd)
        except OSError:
            pass

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# Keys as a terminal sends them (xterm)
F4 = "\x1bOS"
ENTER = "\r"
CTRL_Q = "\x11"
