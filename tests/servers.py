"""For tests that start servers of their own (Prefect beside the session's harness, SMTP):
a free port, a bounded wait, a mailbox, and the events and logs sent where they belong."""

from __future__ import annotations

import contextlib
import email
import os
import socket
import threading
import time
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class Mailbox:
    """aiosmtpd handler: every message delivered, parsed, with its envelope recipients."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def snapshot(self) -> list[tuple[list[str], EmailMessage]]:
        with self.lock:
            return list(self.messages)


def drain_prefect_workers() -> None:
    """Send the events and logs queued in this process to the server a fixture is about to
    stop: left queued, the session harness's teardown would try to flush them to a server that
    is gone, and wait for it."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    EventsWorker.drain_all(timeout=30)
    APILogWorker.drain_all(timeout=30)


class PostgresServer:
    """A throwaway PostgreSQL cluster from Debian's package, on loopback, trusting local users.

    The server refuses to run as root, so as root it runs as the package's `postgres` user, in a
    folder of its own outside pytest's private temporary tree."""

    def __init__(self) -> None:
        import glob
        import os
        import shutil
        import subprocess
        import tempfile

        found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
        if not found:
            raise RuntimeError("PostgreSQL saknas: scripts/setup.sh --test-tools installerar det")
        self.bin = os.path.dirname(found[-1])
        self.folder = tempfile.mkdtemp(prefix="lofte-pg-")
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.port = free_port()
        data = os.path.join(self.folder, "data")
        log = os.path.join(self.folder, "server.log")  # not a pipe: the server outlives pg_ctl
        run = subprocess.run
        run(
            [*self.as_user, f"{self.bin}/initdb", "-D", data, "-U", "postgres", "-A", "trust"],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.folder} -c fsync=off"
        run(
            [
                *self.as_user,
                f"{self.bin}/pg_ctl",
                "-D",
                data,
                "-o",
                options,
                "-l",
                log,
                "-w",
                "start",
            ],
            check=True,
            capture_output=True,
            stdin=subprocess.DEVNULL,
        )
        self.data = data
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def stop(self) -> None:
        import shutil
        import subprocess

        subprocess.run(
            [*self.as_user, f"{self.bin}/pg_ctl", "-D", self.data, "-m", "fast", "stop"],
            capture_output=True,
        )
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A real local Prefect server with its own home, as PREFECT_API_URL while it runs; what
    this process sends goes to it, and is drained before it stops."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.serve import start_server, stop_process

    saved = dict(os.environ)
    os.environ.update(
        {
            "PREFECT_HOME": str(home),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1",
            "PREFECT_WORKER_QUERY_SECONDS": "2",
            "PREFECT_RUNNER_POLL_FREQUENCY": "2",
        }
    )
    process, api_url = start_server("127.0.0.1", free_port())
    os.environ["PREFECT_API_URL"] = api_url
    drain_prefect_workers()  # what this process emits goes to this server, not the harness's
    try:
        with temporary_settings(updates={PREFECT_API_URL: api_url}):
            yield api_url
    finally:
        drain_prefect_workers()
        stop_process(process)
        os.environ.clear()
        os.environ.update(saved)
