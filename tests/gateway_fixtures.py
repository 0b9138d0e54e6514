"""Real gateway servers on loopback ports, a webhook receiver, and waiting helpers."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import uvicorn

from cs_console.config.policy import load_policy
from cs_console.gateway.app import create_app
from cs_console.gateway.settings import GatewaySettings
from cs_console.services.desk import make_desk


def wait_until(condition, timeout: float = 10.0, interval: float = 0.02):
    """Poll ``condition()`` until it returns a truthy value (returned) or fail after ``timeout``."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


@dataclass
class Gateway:
    url: str
    port: int
    desk: object


@contextmanager
def running_gateway(db_url: str, port: int = 0, **settings):
    """``cs-console serve`` in a thread (uvicorn on a loopback port of its own, or ``port``)."""
    desk = make_desk(db_url, policy=load_policy())
    if not any(a.name == "小美" for a in desk.team.agents()):
        desk.team.add_agent("小美")  # the agent who answers in these tests (agents are never made on the fly)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    port = sock.getsockname()[1]
    app = create_app(desk, GatewaySettings(port=port, **settings))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _healthy(url))
    try:
        yield Gateway(url, port, desk)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        desk.close()


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def serve_process(db_url: str, port: int, *options: str) -> subprocess.Popen:
    """``cs-console serve`` as a process of its own on ``port``."""
    return subprocess.Popen([sys.executable, "-m", "cs_console", "serve", "--db", db_url, "--port", str(port), *options],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})


@contextmanager
def served(db_url: str, *options: str):
    """A ``cs-console serve`` process, up and answering; its base URL. Stopped with SIGTERM."""
    port = free_port()
    proc = serve_process(db_url, port, *options)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: _healthy(url), 30)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class Received:
    delivery_id: str
    body: dict
    signature_ok: bool
    attempt: int


@dataclass
class Receiver:
    """A webhook receiver: answers each request with the next code of ``codes`` (the last one
    repeats); verifies the signature with its own HMAC code, as a bridge author would."""

    secret: str = ""
    codes: list[int] = field(default_factory=lambda: [200])
    hang_first: float = 0.0  # seconds to hold the first request (a gateway killed meanwhile)
    got: list[Received] = field(default_factory=list)
    url: str = ""

    def verify(self, headers, body: bytes) -> bool:
        ts = headers.get("x-cs-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
        fresh = ts.isdigit() and abs(time.time() - int(ts)) < 300
        return fresh and hmac.compare_digest(expected, headers.get("x-cs-signature", ""))


@contextmanager
def webhook_receiver(**kw):
    rec = Receiver(**kw)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            with lock:
                n = len(rec.got)
                rec.got.append(Received(self.headers.get("x-cs-delivery", ""), json.loads(body),
                                        rec.verify(self.headers, body), int(self.headers.get("x-cs-attempt", 0))))
                code = rec.codes[min(n, len(rec.codes) - 1)]
            if n == 0 and rec.hang_first:
                time.sleep(rec.hang_first)
            self.send_response(code)
            self.send_header("content-length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    rec.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    try:
        yield rec
    finally:
        server.shutdown()
        server.server_close()

