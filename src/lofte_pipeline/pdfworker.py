"""The report's PDF laid out in a child process while the parent writes the rest of the bundle.

WeasyPrint is pure Python and takes most of a report's time; in a child it runs on the second
core while the parent writes the CSV files, the open data and the manifest. The child is kept
warm (WeasyPrint imported, fonts loaded) for the next report in the same process. It runs the same
render_pdf, so the bytes are the same; if the child fails for any reason, the PDF is rendered in
the parent instead, which also raises WeasyPrint's own error where there is one.
"""

from __future__ import annotations

import atexit
import gc
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable

from .isolation import _next_request, _receive, _send_message, stop_child

TIME_LIMIT_SECONDS = 600.0
MAX_WARM_WORKERS = 2
PING = "ping"
# How a worker fails: dead, too slow, or garbled; the PDF is then laid out in this process.
WORKER_FAILURES = (OSError, EOFError, TimeoutError, RuntimeError, pickle.UnpicklingError)


class PdfWorker:
    def __init__(self) -> None:
        self.child = subprocess.Popen([sys.executable, "-m", "lofte_pipeline.pdfworker"],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL)

    def alive(self) -> bool:
        return self.child.poll() is None

    def send(self, html: str, title: str, base_url: str) -> None:
        _send_message(self.child.stdin, (html, title, base_url))

    def receive(self) -> bytes:
        """The PDF; WeasyPrint's warnings in the child are logged here, where they are seen."""
        status, payload, records = _receive(self.child, TIME_LIMIT_SECONDS)
        if status != "ok":
            raise RuntimeError(payload)
        for name, level, text in records:
            logging.getLogger(name).log(level, "%s", text)
        return payload  # type: ignore[return-value]

    def ping(self) -> None:
        """Return once the child has answered everything before, its collection included."""
        _send_message(self.child.stdin, PING)
        self.receive()

    def close(self) -> None:
        stop_child(self.child)


_warm: list[PdfWorker] = []
_warm_lock = threading.Lock()


def prepare() -> None:
    """Make sure a warm worker is starting: call early, it boots while the inbox is read."""
    with _warm_lock:
        if not _warm:
            _warm.append(PdfWorker())


def start_pdf(html: str, title: str, base_url: str,
              render_here: Callable[[str, str], bytes]) -> Callable[[], bytes]:
    """Begin laying out the PDF; the returned function waits for its bytes."""
    with _warm_lock:
        worker = _warm.pop() if _warm else None
    if worker is None or not worker.alive():
        worker = PdfWorker()
    try:
        worker.send(html, title, base_url)
    except OSError:
        worker.close()
        return lambda: render_here(html, title)

    def result() -> bytes:
        try:
            data = worker.receive()
        except WORKER_FAILURES:
            worker.close()
            return render_here(html, title)
        _keep_warm(worker)
        return data

    return result


def _keep_warm(worker: PdfWorker) -> None:
    """Back among the warm workers for the next PDF, or closed when enough are warm."""
    with _warm_lock:
        if len(_warm) < MAX_WARM_WORKERS:
            _warm.append(worker)
            return
    worker.close()


def settle_warm_workers() -> None:
    """Wait until every warm worker is idle: a timing that starts now does not share the
    machine with the collection a worker makes after its last PDF."""
    with _warm_lock:
        workers = list(_warm)
        _warm.clear()  # nobody else gets one while it is asked
    for worker in workers:
        try:
            worker.ping()
        except WORKER_FAILURES:
            worker.close()
            continue
        _keep_warm(worker)


def close_warm_workers() -> None:
    with _warm_lock:
        workers = list(_warm)
        _warm.clear()
    for worker in workers:
        worker.close()


atexit.register(close_warm_workers)
os.register_at_fork(after_in_child=_warm.clear)  # the parent's pipes: never used from a fork


def _serve() -> None:
    """The child: (html, title, base_url) requests on stdin, PDF bytes on stdout."""
    from .render import render_pdf

    render_pdf("<p>Uppvärmning</p>", "warm-up")  # import WeasyPrint and load fonts now
    records: list[logging.LogRecord] = []
    collect = logging.Handler(logging.WARNING)
    collect.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("weasyprint").addHandler(collect)
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (request := _next_request(requests)) is not None:
        if request == PING:
            _send_message(answers, ("ok", b"", []))
            continue
        html, title, base_url = request
        records.clear()
        try:
            answer: tuple[str, object, list] = ("ok", render_pdf(html, title, base_url), [
                (r.name, r.levelno, r.getMessage()) for r in records])
        except Exception as exc:  # noqa: BLE001  (the parent renders again and raises it)
            answer = ("error", repr(exc), [])
        _send_message(answers, answer)
        gc.collect()  # what the layout left, while the parent is busy with the answer


if __name__ == "__main__":
    _serve()
