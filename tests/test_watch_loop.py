"""The watcher's loop (`lofte watch`, and `lofte serve`'s thread): a run is started once for
settled new or changed files, never when nothing changed, and a failure is tried again."""

from __future__ import annotations

import os
import threading
import time

from lofte_pipeline.watch import InboxWatcher
from lofte_pipeline.watch_loop import watch_inbox, watch_once


def settled(path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    past = time.time() - 60
    os.utime(path, (past, past))


def test_a_run_once_per_change_and_none_when_nothing_changed(tmp_path):
    inbox = tmp_path / "INBOX"
    settled(inbox / "polisen" / "a.xlsx", "a")
    watcher = InboxWatcher(inbox, tmp_path / "state" / "inkorg.json", settle_seconds=1)
    starts: list[int] = []
    said: list[str] = []
    started = watch_once(watcher, set(), lambda: starts.append(1), said.append)
    assert len(starts) == 1 and "1" in said[0]
    started = watch_once(watcher, started, lambda: starts.append(1), said.append)
    assert len(starts) == 1  # the run has not marked the file yet: not started again
    watcher.mark_done(watcher.poll())  # what the inbox run does
    started = watch_once(watcher, started, lambda: starts.append(1), said.append)
    assert len(starts) == 1
    settled(inbox / "polisen" / "a.xlsx", "a, rättad")
    started = watch_once(watcher, started, lambda: starts.append(1), said.append)
    assert len(starts) == 2


def test_a_file_still_being_copied_starts_nothing(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    (inbox / "polisen" / "ny.xlsx").write_text("halv", encoding="utf-8")
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", settle_seconds=3600)
    starts: list[int] = []
    watch_once(watcher, set(), lambda: starts.append(1), lambda text: None)
    assert starts == []


def test_a_failed_start_is_said_and_tried_again(tmp_path):
    inbox = tmp_path / "INBOX"
    settled(inbox / "kommunen" / "b.xlsx", "b")
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", settle_seconds=1)
    said: list[str] = []

    def unreachable() -> None:
        raise ConnectionError("servern svarar inte")

    started = watch_once(watcher, set(), unreachable, said.append)
    assert started == set() and "servern svarar inte" in said[0]
    starts: list[int] = []
    watch_once(watcher, started, lambda: starts.append(1), said.append)
    assert starts == [1]


def test_the_loop_looks_at_once_and_stops_when_told(tmp_path):
    inbox = tmp_path / "INBOX"
    settled(inbox / "polisen" / "a.xlsx", "a")
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", settle_seconds=1)
    stop = threading.Event()
    starts: list[int] = []
    thread = threading.Thread(
        target=watch_inbox, args=(watcher, lambda: starts.append(1), 3600, stop, lambda t: None)
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not starts and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(timeout=5)
    assert starts == [1] and not thread.is_alive()
