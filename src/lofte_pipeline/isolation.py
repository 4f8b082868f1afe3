"""Untrusted files read and validated in a child process with a memory cap and a time limit.

A crafted file can make a native reader allocate gigabytes or abort the process (a Rust abort
cannot be caught). The parent survives either: a fresh child tries the file once more (a busy
machine may fail a child once), and if that fails too the file is reported as not readable now
(errors.ReaderUnavailable: not a verdict on the file, never cached) and the next file goes on.

The child is the part that may be subverted, so nothing crosses as pickled objects: requests are
plain JSON records, answers the checked file's bytes (rows.encode_outcome), which
rows.decode_outcome checks against the declared schema before anything is used.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import struct
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from typing import IO

from .errors import ReaderUnavailable, UnreadableFileError
from .ingest import ReadLimits, read_sheets
from .layout import Rules
from .messages import message
from .rows import CheckedFile, decode_outcome, encode_outcome
from .validate import check_sheets

MEMORY_LIMIT_BYTES = 4 * 1024**3
TIME_LIMIT_SECONDS = 120.0
_HEADER = struct.Struct("!Q")
MAX_ANSWER_BYTES = 512 * 1024**2


def check_file_here(
    path: Path, rules: Rules, limits: ReadLimits = ReadLimits(), display_name: str | None = None
) -> CheckedFile:
    """Read and validate one file in this process: what the child runs for every request."""
    return check_sheets(read_sheets(path, limits, display_name), rules)


class IsolatedReader:
    """`check(path, rules, ...)` like check_file_here, but in a bounded child. One child serves
    the files of one inbox read, one after another; it starts at the first file."""

    def __init__(
        self, memory_limit: int = MEMORY_LIMIT_BYTES, time_limit: float = TIME_LIMIT_SECONDS
    ) -> None:
        self.memory_limit = memory_limit
        self.time_limit = time_limit
        self.child: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> IsolatedReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def check(
        self,
        path: Path,
        rules: Rules,
        limits: ReadLimits = ReadLimits(),
        display_name: str | None = None,
    ) -> CheckedFile:
        request = json.dumps(
            {
                "path": str(path),
                "display_name": display_name,
                "limits": asdict(limits),
                "rules": rules.record(),
            }
        ).encode()
        cause = ""
        for _attempt in range(2):  # a busy machine may fail a child once: a fresh one tries again
            try:
                outcome = decode_outcome(self._ask(request))
            except TimeoutError:
                cause = message("lasare.tog_for_lang_tid", seconds=f"{self.time_limit:.0f}")
            except (OSError, EOFError, ValueError):  # killed by its cap, gone, or garbled
                cause = message("lasare.for_mycket_minne")
            else:
                if isinstance(outcome, str):
                    raise UnreadableFileError(outcome)
                return outcome
            self.close()
        raise ReaderUnavailable(message("lasare.kunde_inte_lasas_nu", cause=cause))

    def _ask(self, request: bytes) -> bytes:
        child = self._running()
        _send(child.stdin, request)  # type: ignore[arg-type]
        return _receive(child.stdout, self.time_limit)  # type: ignore[arg-type]

    def _running(self) -> subprocess.Popen[bytes]:
        if self.child is None or self.child.poll() is not None:
            self.close()
            self.child = subprocess.Popen(
                [sys.executable, "-m", "lofte_pipeline.isolation", str(self.memory_limit)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        return self.child

    def close(self) -> None:
        """Stop the child at once: between files it holds nothing worth waiting for."""
        child, self.child = self.child, None
        if child is None:
            return
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdin, child.stdout):
            with contextlib.suppress(BrokenPipeError):  # a request left in a dead child's pipe
                stream.close()  # type: ignore[union-attr]


def _send(stream: IO[bytes], data: bytes) -> None:
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _receive(stream: IO[bytes], timeout: float) -> bytes:
    (size,) = _HEADER.unpack(_read_exact(stream, _HEADER.size, timeout))
    if size > MAX_ANSWER_BYTES:
        raise ValueError("answer too large")
    return _read_exact(stream, size, timeout)


def _read_exact(stream: IO[bytes], size: int, timeout: float) -> bytes:
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
    """The child: requests on stdin, answers on stdout, until stdin closes."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    requests, answers = sys.stdin.buffer, sys.stdout.buffer
    while len(header := requests.read(_HEADER.size)) == _HEADER.size:
        request = json.loads(requests.read(_HEADER.unpack(header)[0]))
        outcome: CheckedFile | str
        try:
            outcome = check_file_here(
                Path(request["path"]),
                Rules.from_record(request["rules"]),
                ReadLimits(**request["limits"]),
                request["display_name"],
            )
        except UnreadableFileError as exc:
            outcome = exc.reason
        except MemoryError:
            outcome = message("inlasning.minnesgrans")
        _send(answers, encode_outcome(outcome))


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else MEMORY_LIMIT_BYTES)
