"""Test harness for webhooks: a local receiver with failure modes, and real Celery workers.

The receiver records every request (raw body and headers) so a test can verify each one with
``standardwebhooks.Webhook(secret).verify``. Workers are real ``celery worker`` processes that
reach the test database through ``DATABASE_URL`` and listen on a queue unique to the test run.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Captured:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A threaded HTTP server; the path picks the behaviour (see ``_Handler.do_POST``)."""

    server: ThreadingHTTPServer
    requests: list[Captured] = field(default_factory=list)
    counters: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: Seconds the "/slow" path waits before answering 200.
    slow_seconds: float = 2.0
    #: Set to release requests held by "/hang".
    release: threading.Event = field(default_factory=threading.Event)
    #: Called with each request as it arrives (e.g. to verify its signature on time).
    on_request: Callable[[Captured], None] | None = None
    #: Drip paths whose client hung up before the drip ended: path -> bytes written by then.
    cut: dict[str, int] = field(default_factory=dict)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def hits(self, path: str) -> list[Captured]:
        with self.lock:
            return [r for r in self.requests if r.path == path]

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return True
            time.sleep(0.05)
        return predicate()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else keep-alive answers wait for delayed ACKs (~40 ms)

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _answer(
        self, code: int, body: bytes = b"ok", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(code)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _drip(self, path: str, data: bytes) -> None:
        """Write ``data`` a byte every 0.1 s; note in ``cut`` when the client hangs up first."""
        rec: Receiver = self.server.receiver
        for i in range(len(data)):
            try:
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
            except OSError:
                with rec.lock:
                    rec.cut[path] = i
                return
            time.sleep(0.1)

    def do_POST(self) -> None:
        rec: Receiver = self.server.receiver
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        path = self.path.split("?")[0]
        captured = Captured(path, dict(self.headers.items()), body, time.monotonic())
        if rec.on_request is not None:
            rec.on_request(captured)
        with rec.lock:
            rec.requests.append(captured)
            rec.counters[path] = rec.counters.get(path, 0) + 1
            n = rec.counters[path]
        if path.startswith("/fail-once"):
            self._answer(500 if n == 1 else 200, b"boom" if n == 1 else b"ok")
        elif path.startswith("/fail-always"):
            self._answer(500, b"always failing")
        elif path.startswith("/nul"):  # an answer PostgreSQL text columns cannot hold as is
            self._answer(500, b"bad\x00byte")
        elif path.startswith("/gone"):
            self._answer(410, b"gone")
        elif path.startswith("/throttle"):
            if n == 1:
                self._answer(429, b"slow down", {"Retry-After": "1"})
            else:
                self._answer(200)
        elif path.startswith("/redirect"):
            self._answer(308, b"", {"Location": rec.url + "/redirect-target"})
        elif path.startswith("/hang"):
            rec.release.wait(30)
            self._answer(200)
        elif path.startswith("/big"):
            chunk = b"x" * (1024 * 1024)
            self.send_response(200)
            self.send_header("Content-Length", str(10 * len(chunk)))
            self.end_headers()
            try:
                for _ in range(10):
                    self.wfile.write(chunk)
            except OSError:
                pass
        elif path.startswith("/drip-head"):  # the status line and headers, a byte every 0.1 s
            self._drip(path, b"HTTP/1.1 200 OK\r\nX-Slow: " + b"x" * 100 + b"\r\n\r\n")
            self.close_connection = True
        elif path.startswith("/drip"):  # one byte every 0.1 s: per-read timeouts never fire
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self._drip(path, b"x" * 100)
        elif path.startswith("/slow"):
            if n == 1:
                time.sleep(rec.slow_seconds)
            self._answer(200)
        else:
            self._answer(200)


def start_receiver() -> Receiver:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    rec = Receiver(server=server)
    server.receiver = rec  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return rec


def database_url() -> str:
    """A URL that reaches the test database from another process."""
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        name = str(s["NAME"])
        if name == ":memory:" or "mode=memory" in name:
            raise RuntimeError("the worker needs a file SQLite test database")
        return f"sqlite:///{name}"
    auth = s["USER"] or ""
    if s.get("PASSWORD"):
        auth += f":{s['PASSWORD']}"
    host = s.get("HOST") or "127.0.0.1"
    port = s.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{s['NAME']}"


class Worker:
    """A ``celery worker`` process (optionally with embedded beat) for one test queue."""

    def __init__(
        self,
        queue: str,
        webhooks: dict[str, Any],
        broker_url: str,
        beat: bool = False,
        beat_only: bool = False,
        name: str | None = None,
        concurrency: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.queue = queue
        self.name = name or f"w{uuid.uuid4().hex[:6]}"
        self.log = Path(f"/tmp/hrflow-worker-{self.name}-{os.getpid()}.log")
        self.schedule = Path(f"/tmp/hrflow-beat-{self.name}-{os.getpid()}")
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "tests.support.webhook_worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "HRFLOW_TEST_QUEUE": queue,
            "HRFLOW_TEST_WEBHOOKS": json.dumps(webhooks),
            **(extra_env or {}),
        }
        cmd = [
            sys.executable, "-m", "celery", "-A", "example_crm", "worker",
            "-Q", queue, "-n", f"{self.name}@%h", "-c", str(concurrency), "-P", "prefork",
            "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.ready_marker = " ready."
        if beat_only:
            cmd = [sys.executable, "-m", "celery", "-A", "example_crm", "beat",
                   "-s", str(self.schedule), "--loglevel", "INFO"]  # fmt: skip
            self.ready_marker = "beat: Starting"
        elif beat:
            cmd += ["-B", "-s", str(self.schedule)]
        self.log_file = self.log.open("wb")
        self.proc = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def output(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.ready_marker in self.output():
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited:\n{self.output()[-3000:]}")
            time.sleep(0.1)
        raise RuntimeError(f"worker not ready:\n{self.output()[-3000:]}")

    def child_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True, check=False
        ).stdout
        return [int(p) for p in out.split()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (subprocess.TimeoutExpired, ProcessLookupError):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.log_file.close()
        self.log.unlink(missing_ok=True)
        for path in self.schedule.parent.glob(self.schedule.name + "*"):
            path.unlink(missing_ok=True)


class PrivateRedis:
    """A redis-server of our own on a free port, which a test may stop and start again."""

    def __init__(self) -> None:
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        from tests.support.services import port_open

        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while not port_open("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc = None
