"""The inbox watcher's loop, shared by `lofte watch` and `lofte serve`: poll the inbox and start
the inbox run once for each set of settled new or changed files, never when nothing changed.

How a run is started (Prefect's API) is passed in, so the loop stays free of Prefect.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from .messages import message
from .watch import InboxWatcher

Seen = set[tuple[str, int, int]]


def settled_changes(watcher: InboxWatcher) -> Seen:
    """The inbox's settled new or changed files, each by path, size and modification time."""
    ready, _ = watcher.observe()
    fresh: Seen = set()
    for path in ready:
        try:
            stat = path.lstat()
        except FileNotFoundError:
            continue
        fresh.add((str(path), stat.st_size, stat.st_mtime_ns))
    return fresh


def watch_once(
    watcher: InboxWatcher,
    started: Seen,
    start_run: Callable[[], object],
    say: Callable[[str], None],
) -> Seen:
    """One look at the inbox: start a run when files appeared that no run was started for yet.
    Returns the files runs were started for (`started` and the new ones). A failure (the server
    away, a folder gone for a moment) is said and tried again at the next look."""
    try:
        fresh = settled_changes(watcher)
        new = fresh - started
        if not new:
            return started
        start_run()
    except Exception as exc:
        error = str(exc) if str(exc) not in ("", "None") else type(exc).__name__
        say(message("flode.bevakning_misslyckades", error=error))
        return started
    say(message("flode.bevakning_startad", count=len(new)))
    return started | new


def watch_inbox(
    watcher: InboxWatcher,
    start_run: Callable[[], object],
    poll_seconds: float,
    stop: threading.Event,
    say: Callable[[str], None] = print,
    first_look_after: float = 0.0,
) -> None:
    """Look after `first_look_after` seconds, then every `poll_seconds`, until `stop` is set."""
    started: Seen = set()
    if stop.wait(first_look_after):
        return
    while not stop.is_set():
        started = watch_once(watcher, started, start_run, say)
        if stop.wait(poll_seconds):
            break
