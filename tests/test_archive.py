"""Nothing lost: every dropped file kept by content, versions in a manifest, rejects quarantined."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.archive import Archive, safe_relative_path
from lofte_pipeline.report import build_report

MOPEDS = "Riktad insats trimmade mopeder"


def inbox_with(tmp_path, rows, name="logg.xlsx"):
    inbox = tmp_path / "INBOX"
    write_xlsx(inbox / "polisen" / name, {"Logg": [HEADER, *rows]})
    (inbox / "kommunen").mkdir(exist_ok=True)
    return inbox


def mopeds(result) -> int:
    return next(t["done_to_date"] for t in result.figures["targets"] if t["id"] == "mopedinsatser")


def test_every_file_is_kept_by_content_with_a_manifest_entry(tmp_path, promise_file):
    inbox = inbox_with(tmp_path, [row("2019-02-01", MOPEDS, "Härad")])
    (inbox / "kommunen" / "trasig.xlsx").write_text("inte ett kalkylark", encoding="utf-8")
    build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    state = tmp_path / "lofte-state" / "INBOX"
    with Archive(state) as archive:
        versions = {v.name: v for v in archive.current_versions()}
        assert set(versions) == {"polisen/logg.xlsx", "kommunen/trasig.xlsx"}
        for version in versions.values():
            blob = archive.blob_path(version.sha256)
            assert blob.read_bytes() == (inbox / version.name).read_bytes()
        assert versions["polisen/logg.xlsx"].outcome == "accepted"
        assert versions["kommunen/trasig.xlsx"].outcome == "rejected"
        assert "inget kalkylark" in versions["kommunen/trasig.xlsx"].reasons
    # The manifest is SQLite in WAL mode: readable by any tool, no server.
    with sqlite3.connect(state / "manifest.sqlite") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_rejected_file_is_quarantined_with_a_swedish_note(tmp_path, promise_file):
    inbox = inbox_with(tmp_path, [])
    (inbox / "kommunen" / "tom.xlsx").write_bytes(b"")
    build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    quarantine = tmp_path / "lofte-state" / "INBOX" / "karantan" / "kommunen"
    note = (quarantine / "tom.xlsx.LÄS-MIG.txt").read_text(encoding="utf-8")
    assert "kunde inte läsas" in note and "Filen är tom" in note and "samma namn" in note
    assert (quarantine / "tom.xlsx").exists()
    assert (inbox / "kommunen" / "tom.xlsx").exists()  # nothing is deleted, ever


def test_a_corrected_file_replaces_the_earlier_rows_and_both_versions_are_kept(
    tmp_path, promise_file
):
    inbox = inbox_with(
        tmp_path, [row("2019-02-01", MOPEDS, "Härad"), row("2019-02-02", MOPEDS, "Härad")]
    )
    out = tmp_path / "ut"
    assert mopeds(build_report(promise_file, inbox, out, "2019-T1", pdf=False)) == 2
    write_xlsx(
        inbox / "polisen" / "logg.xlsx", {"Logg": [HEADER, row("2019-02-01", MOPEDS, "Härad")]}
    )
    assert mopeds(build_report(promise_file, inbox, out, "2019-T1", pdf=False)) == 1
    with Archive(tmp_path / "lofte-state" / "INBOX") as archive:
        history = archive.history("polisen/logg.xlsx")
    assert [v.current for v in history] == [False, True]


def test_the_same_bytes_dropped_twice_change_nothing(tmp_path, promise_file):
    inbox = inbox_with(tmp_path, [row("2019-02-01", MOPEDS, "Härad")])
    out = tmp_path / "ut"
    first = build_report(promise_file, inbox, out, "2019-T1")
    before = {p.name: p.read_bytes() for p in first.folder.rglob("*") if p.is_file()}
    (inbox / "polisen" / "logg.xlsx").touch()
    second = build_report(promise_file, inbox, out, "2019-T1")
    assert {p.name: p.read_bytes() for p in second.folder.rglob("*") if p.is_file()} == before
    with Archive(tmp_path / "lofte-state" / "INBOX") as archive:
        assert len(archive.history("polisen/logg.xlsx")) == 1


def test_a_file_removed_from_the_inbox_is_not_lost(tmp_path, promise_file):
    inbox = inbox_with(tmp_path, [row("2019-02-01", MOPEDS, "Härad")])
    out = tmp_path / "ut"
    build_report(promise_file, inbox, out, "2019-T1", pdf=False)
    (inbox / "polisen" / "logg.xlsx").unlink()
    assert mopeds(build_report(promise_file, inbox, out, "2019-T1", pdf=False)) == 1


def test_the_bundle_manifest_traces_every_input(tmp_path, promise_file):
    inbox = inbox_with(tmp_path, [row("2019-02-01", MOPEDS, "Härad")])
    result = build_report(promise_file, inbox, tmp_path / "ut", "2019-T1", pdf=False)
    manifest = json.loads((result.path("manifest.json")).read_text(encoding="utf-8"))
    assert manifest["promise"] == "strangnas-2019" and len(manifest["promise_sha256"]) == 64
    assert manifest["program_version"]
    [entry] = manifest["inputs"]
    assert entry["file"] == "polisen/logg.xlsx" and entry["outcome"] == "accepted"
    import hashlib

    assert (
        entry["sha256"]
        == hashlib.sha256((inbox / "polisen" / "logg.xlsx").read_bytes()).hexdigest()
    )


def test_file_names_never_let_a_write_escape_the_quarantine():
    assert str(safe_relative_path("../../etc/passwd")) == "etc/passwd"
    assert str(safe_relative_path("/abs/x.xlsx")) == "abs/x.xlsx"
    assert str(safe_relative_path("polisen/a:b?.xlsx")) == "polisen/a_b_.xlsx"
    assert str(safe_relative_path("..")) == "namnlos"


def test_a_manifest_from_before_size_and_modification_time_were_kept_is_migrated(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    with sqlite3.connect(state / "manifest.sqlite") as db:
        db.executescript(
            "CREATE TABLE versions (seq INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, "
            "source TEXT NOT NULL, sha256 TEXT NOT NULL, size INTEGER NOT NULL, "
            "first_seen TEXT NOT NULL, outcome TEXT, reasons TEXT, "
            "current INTEGER NOT NULL DEFAULT 0, UNIQUE (name, sha256));"
            "INSERT INTO versions (name, source, sha256, size, first_seen, outcome, current) "
            "VALUES ('polisen/logg.xlsx', 'polisen', 'ab', 3, '2019-01-01', 'accepted', 1);"
        )
    with Archive(state) as archive:
        [version] = archive.current_versions()
        assert (version.name, version.mtime_ns, version.kept) == ("polisen/logg.xlsx", None, True)
    with Archive(state) as archive:  # opened again: nothing to add
        columns = [row[1] for row in archive.manifest.db.execute("PRAGMA table_info(versions)")]
        assert columns[-2:] == ["mtime_ns", "kept"]


def test_an_archive_made_before_its_modes_were_set_is_made_private(tmp_path):
    state = tmp_path / "state"
    blob = state / "arkiv" / "ab" / ("ab" + "0" * 62)
    blob.parent.mkdir(parents=True)
    blob.write_bytes(b"x")
    os.chmod(blob, 0o444)
    os.chmod(blob.parent, 0o755)
    note = state / "karantan" / "polisen" / "logg.xlsx.LÄS-MIG.txt"
    note.parent.mkdir(parents=True)
    note.write_text("x", encoding="utf-8")
    os.chmod(note, 0o644)
    Archive(state).close()
    assert stat.S_IMODE(blob.stat().st_mode) == 0o440
    assert stat.S_IMODE(blob.parent.stat().st_mode) == 0o750
    assert stat.S_IMODE(note.stat().st_mode) == 0o640
    assert stat.S_IMODE(note.parent.stat().st_mode) == 0o750
    assert stat.S_IMODE((state / "manifest.sqlite").stat().st_mode) == 0o640
