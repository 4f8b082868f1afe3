"""Polling the inbox: new and changed files are taken up once, and never while being copied."""

from __future__ import annotations

import os
import time

from lofte_pipeline.watch import InboxWatcher


def age(path, seconds):
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_settled_new_file_is_ready_and_taken_up_once(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    log = inbox / "polisen" / "logg.xlsx"
    log.write_bytes(b"x" * 10)
    age(log, 60)
    watcher = InboxWatcher(inbox, tmp_path / "state" / "inkorg.json", settle_seconds=10)
    assert watcher.poll() == [log]
    watcher.mark_done([log])
    assert watcher.poll() == []
    # The record survives a restart.
    assert InboxWatcher(inbox, tmp_path / "state" / "inkorg.json", 10).poll() == []


def test_a_file_still_being_written_is_not_ready(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "kommunen").mkdir(parents=True)
    copying = inbox / "kommunen" / "stor.xlsx"
    copying.write_bytes(b"PK" + b"\0" * 100)  # just written: mtime is now
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", settle_seconds=30)
    ready, settling = watcher.observe()
    assert (ready, settling) == ([], [copying])
    age(copying, 31)
    assert watcher.poll() == [copying]


def test_a_corrected_file_with_the_same_name_is_taken_up_again(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    log = inbox / "polisen" / "logg.csv"
    log.write_text("Datum;Aktivitet;Kommundel\n", encoding="utf-8")
    age(log, 60)
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", settle_seconds=5)
    watcher.mark_done(watcher.poll())
    log.write_text("Datum;Aktivitet;Kommundel\n2019-01-02;Mopedinsats;Härad\n", encoding="utf-8")
    age(log, 10)
    assert watcher.poll() == [log]


def test_lock_and_hidden_files_are_never_ready(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    for name in ("~$logg.xlsx", ".dold.csv"):
        (inbox / "polisen" / name).write_bytes(b"x")
        age(inbox / "polisen" / name, 60)
    assert InboxWatcher(inbox, tmp_path / "inkorg.json", 1).poll() == []


def test_links_fifos_and_the_notes_folder_never_start_a_run(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen" / "AVVISAT").mkdir(parents=True)
    outside = tmp_path / "utanfor.csv"
    outside.write_bytes(b"x")
    (inbox / "polisen" / "lank.csv").symlink_to(outside)
    os.mkfifo(inbox / "polisen" / "ror.csv")
    (inbox / "polisen" / "AVVISAT" / "logg.csv.txt").write_bytes(b"x")
    real = inbox / "polisen" / "logg.csv"
    real.write_bytes(b"x")
    for path in (outside, real, inbox / "polisen" / "AVVISAT" / "logg.csv.txt"):
        age(path, 60)
    assert InboxWatcher(inbox, tmp_path / "inkorg.json", 1).poll() == [real]


def test_a_name_that_is_not_utf8_is_watched_like_any_other(tmp_path):
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    name = os.fsencode(inbox / "polisen") + b"/Tr\xe4ff.csv"
    with open(name, "wb") as out:
        out.write(b"x")
    os.utime(name, (time.time() - 60, time.time() - 60))
    watcher = InboxWatcher(inbox, tmp_path / "inkorg.json", 1)
    [ready] = watcher.poll()
    watcher.mark_done([ready])
    assert InboxWatcher(inbox, tmp_path / "inkorg.json", 1).poll() == []
