"""Reading untrusted workbooks in a child process with a memory cap and a time limit.

A crafted file can make a native reader allocate gigabytes or abort the process (a Rust abort
cannot be caught). The parent survives either: the file is rejected with a reason, a fresh child
takes the next file. One child serves many files, so the cost is one process start per inbox read.
"""

from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import UnreadableFileError
from .ingest import RawSheet, ReadLimits, read_sheets
from .messages import message

MEMORY_LIMIT_BYTES = 1536 * 1024**2
TIME_LIMIT_SECONDS = 120.0
_HEADER = struct.Struct("!Q")


class IsolatedReader:
    """`read(path, limits, display_name)` like ingest.read_sheets, but in a bounded child."""

    def __init__(self, memory_limit: int = MEMORY_LIMIT_BYTES,
                 time_limit: float = TIME_LIMIT_SECONDS) -> None:
        self.memory_limit = memory_limit
        self.time_limit = time_limit
        self.child: subprocess.Popen[bytes] | None = None
        self._ahead: tuple[str, ReadLimits, str | None] | None = None  # sent, not yet answered

    def __enter__(self) -> "IsolatedReader":
        self._start()  # boots (imports, the readers' libraries) while the caller goes on
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the child at once: it holds nothing worth waiting for (at most a file read
        ahead that nobody will ask for now, or its own start-up)."""
        if self.child is not None:
            self._ahead = None
            stop_child(self.child)
            self.child = None

    def _start(self) -> subprocess.Popen[bytes]:
        if self.child is None or self.child.poll() is not None:
            self.close()
            self.child = subprocess.Popen(
                [sys.executable, "-m", "lofte_pipeline.isolation", str(self.memory_limit)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self.child

    def read(self, path: Path, limits: ReadLimits = ReadLimits(),
             display_name: str | None = None,
             then: tuple[Path, str] | None = None) -> list[RawSheet]:
        """The sheets of `path`; with `then` (path, display name), the child starts reading that
        file as soon as this one is answered, while the caller validates this one."""
        request = (str(path), limits, display_name)
        if self._ahead is not None and self._ahead != request:
            self._discard_ahead()
        try:
            if self._ahead is None:
                self._send(request)
            self._ahead = None
            status, payload = _receive(self.child, self.time_limit)
        except TimeoutError:
            self._stop()
            raise UnreadableFileError(message("inlasning.for_lang_tid",
                                              seconds=f"{self.time_limit:.0f}")) from None
        except (BrokenPipeError, EOFError, OSError):
            self._stop()
            raise UnreadableFileError(message("inlasning.for_mycket_minne")) from None
        if then is not None:
            self._read_ahead((str(then[0]), limits, then[1]))
        if status == "ok":
            return payload  # type: ignore[return-value]
        raise UnreadableFileError(payload)

    def prefetch(self, path: Path, limits: ReadLimits = ReadLimits(),
                 display_name: str | None = None) -> None:
        """Start reading `path` now; the next read() of it gets the answer."""
        if self._ahead is None:
            self._read_ahead((str(path), limits, display_name))

    def _read_ahead(self, request: tuple[str, ReadLimits, str | None]) -> None:
        try:
            self._send(request)
            self._ahead = request
        except OSError:  # the child is gone: the next read starts a fresh one
            self._stop()

    def _send(self, request: tuple[str, ReadLimits, str | None]) -> None:
        _send_message(self._start().stdin, request)

    def _discard_ahead(self) -> None:
        """A file read ahead that nobody asked for after all: its answer is dropped."""
        self._ahead = None
        try:
            _receive(self.child, self.time_limit)
        except (TimeoutError, BrokenPipeError, EOFError, OSError):
            self._stop()

    def _stop(self) -> None:
        self._ahead = None
        if self.child is not None and self.child.poll() is None:
            self.child.kill()
            self.child.wait()
        self.close()


class ReaderPool:
    """Several isolated readers (one per core, at most four) with files dealt round-robin, so
    an inbox of many files is read on every core. Each child still reads one file at a time,
    with its own memory cap and time limit."""

    def __init__(self, size: int | None = None) -> None:
        self.readers = [IsolatedReader() for _ in range(size or default_pool_size())]

    def __enter__(self) -> "ReaderPool":
        for reader in self.readers:
            reader.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def read_all(self, files: list[tuple[Path, str]], limits: ReadLimits = ReadLimits(),
                 ) -> Iterator[tuple[str, list[RawSheet] | UnreadableFileError]]:
        """(path, display name) pairs -> (display name, its sheets or why it is unreadable),
        in the order given; every reader works on its next file meanwhile."""
        n = len(self.readers)
        for reader, (path, name) in zip(self.readers, files):
            reader.prefetch(path, limits, name)
        for index, (path, name) in enumerate(files):
            then = files[index + n] if index + n < len(files) else None
            try:
                yield name, self.readers[index % n].read(path, limits, display_name=name,
                                                         then=then)
            except UnreadableFileError as exc:
                yield name, exc


    def idle(self) -> bool:
        """Every child alive and waiting for a request (nothing read ahead)."""
        return all(r.child is not None and r.child.poll() is None and r._ahead is None
                   for r in self.readers)

    def close(self) -> None:
        for reader in self.readers:
            reader.close()


def default_pool_size() -> int:
    return max(1, min(4, len(os.sched_getaffinity(0))))


_warm: list[ReaderPool] = []
_warm_lock = threading.Lock()
MAX_WARM_POOLS = 2


@contextmanager
def warm_readers() -> Iterator[ReaderPool]:
    """A reader pool, kept warm for the next inbox read in this process.

    A process that reports many promises (a worker, `lofte serve`, the all_promises flow) then
    starts its readers once, not once per report; starting one (Python, polars) takes about as
    long as reading a whole tertial's files. A pool is handed to one caller at a time, and only
    when every child is alive and idle; a forked process never uses its parent's.
    """
    with _warm_lock:
        pool = _warm.pop() if _warm else None
    if pool is None:
        pool = ReaderPool().__enter__()
    try:
        yield pool
    except BaseException:
        pool.close()
        raise
    with _warm_lock:
        if pool.idle() and len(_warm) < MAX_WARM_POOLS:
            _warm.append(pool)
            return
    pool.close()


def close_warm_readers() -> None:
    with _warm_lock:
        pools = list(_warm)
        _warm.clear()
    for pool in pools:
        pool.close()


def _forget_warm_readers() -> None:
    """In a forked child: the pools' pipes belong to the parent; never write to or stop them."""
    _warm.clear()


atexit.register(close_warm_readers)
os.register_at_fork(after_in_child=_forget_warm_readers)


def stop_child(child: subprocess.Popen[bytes]) -> None:
    """Kill a child (if it still runs), reap it and close both pipes."""
    if child.poll() is None:
        child.kill()
    child.wait()
    try:
        child.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:  # what a failed send left buffered cannot reach it now
        pass
    child.stdout.close()  # type: ignore[union-attr]


def _send_message(stream, payload: object) -> None:  # noqa: ANN001
    """One message on a pipe: its length, then its pickle (both ways, both children)."""
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _next_request(stream) -> Any:  # noqa: ANN001, ANN401
    """In a child: the next request from the parent, or None when the parent closed the pipe."""
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return None
    return pickle.loads(stream.read(_HEADER.unpack(header)[0]))


def _receive(child: subprocess.Popen[bytes], timeout: float) -> tuple[str, object]:
    stream = child.stdout
    header = _read_exact(stream, _HEADER.size, timeout)
    (size,) = _HEADER.unpack(header)
    return pickle.loads(_read_exact(stream, size, timeout))


def _read_exact(stream, size: int, timeout: float) -> bytes:  # noqa: ANN001
    chunks, remaining = [], size
    fd = stream.fileno()
    while remaining:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _serve(memory_limit: int) -> None:
    """The child: read requests from stdin, answer on stdout, until stdin closes."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    import fastexcel  # noqa: F401  (loaded before the first request, not during it)
    import polars  # noqa: F401
    import python_calamine  # noqa: F401

    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while (request := _next_request(requests)) is not None:
        path, limits, display_name = request
        try:
            sheets = read_sheets(Path(path), limits, display_name)
            answer: tuple[str, object] = ("ok", sheets)
        except UnreadableFileError as exc:
            answer = ("error", exc.reason)
        except MemoryError:
            answer = ("error", message("inlasning.minnesgrans"))
        _send_message(answers, answer)


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_LIMIT_BYTES)
