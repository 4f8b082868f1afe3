"""An unchanged file is never parsed twice: results are keyed on content, source and promise."""

from __future__ import annotations

from lofte_pipeline import ingest
from lofte_pipeline.cache import ParseCache
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.promise import promise_hash
from workbooks import HEADER, row, write_xlsx


def count_reads(monkeypatch) -> list:
    calls = []
    original = ingest.read_sheets

    def counting(path, limits=ingest.ReadLimits(), display_name=None):
        calls.append((display_name or path.name).rsplit("/", 1)[-1])
        return original(path, limits, display_name)

    monkeypatch.setattr("lofte_pipeline.intake.read_sheets", counting)
    return calls


def test_a_second_read_of_unchanged_files_parses_nothing(tmp_path, promise, promise_file,
                                                         monkeypatch):
    inbox = tmp_path / "INBOX"
    write_xlsx(inbox / "polisen" / "a.xlsx", {"Logg": [HEADER, row("2019-01-02", "Mopedinsats",
                                                                    "Härad")]})
    (inbox / "kommunen").mkdir()
    (inbox / "kommunen" / "trasig.xlsx").write_text("nej", encoding="utf-8")
    calls = count_reads(monkeypatch)
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    first = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert sorted(calls) == ["a.xlsx", "trasig.xlsx"]
    second = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert sorted(calls) == ["a.xlsx", "trasig.xlsx"]  # nothing parsed again
    assert second.accepted.equals(first.accepted)
    assert [f.reason for f in second.files] == [f.reason for f in first.files]


def test_a_renamed_copy_is_served_from_the_cache_under_its_new_name(tmp_path, promise,
                                                                    promise_file, monkeypatch):
    inbox = tmp_path / "INBOX"
    original = write_xlsx(inbox / "polisen" / "a.xlsx", {"Logg": [
        HEADER, row("2019-01-02", "Mopedinsats", "Härad")]})
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    read_inbox(inbox, promise, cache=cache, isolate=False)
    original.rename(inbox / "polisen" / "b.xlsx")
    calls = count_reads(monkeypatch)
    again = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert calls == [] and list(again.accepted["file"]) == ["polisen/b.xlsx"]


def test_a_changed_file_or_promise_is_parsed_again(tmp_path, promise, promise_file, monkeypatch):
    inbox = tmp_path / "INBOX"
    path = write_xlsx(inbox / "polisen" / "a.xlsx", {"Logg": [
        HEADER, row("2019-01-02", "Mopedinsats", "Härad")]})
    read_inbox(inbox, promise, cache=ParseCache(tmp_path / "cache", promise_hash(promise_file)),
               isolate=False)
    calls = count_reads(monkeypatch)
    read_inbox(inbox, promise, cache=ParseCache(tmp_path / "cache", "another-promise-version"),
               isolate=False)
    assert calls == ["a.xlsx"]
    write_xlsx(path, {"Logg": [HEADER, row("2019-01-03", "Mopedinsats", "Härad")]})
    read_inbox(inbox, promise, cache=ParseCache(tmp_path / "cache", promise_hash(promise_file)),
               isolate=False)
    assert calls == ["a.xlsx", "a.xlsx"]


def test_a_deferred_cache_serves_what_it_queued_and_writes_it_on_flush(tmp_path, promise,
                                                                       promise_file):
    inbox = tmp_path / "INBOX"
    write_xlsx(inbox / "polisen" / "a.xlsx", {"Logg": [HEADER, row("2019-01-02", "Mopedinsats",
                                                                    "Härad")]})
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file), deferred=True)
    first = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert not list((tmp_path / "cache").rglob("*.pickle"))  # queued, not yet written
    queued = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert queued.accepted.equals(first.accepted)
    cache.flush()
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == 1
    fresh = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    assert read_inbox(inbox, promise, cache=fresh, isolate=False).accepted.equals(first.accepted)
