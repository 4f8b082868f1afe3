"""An unchanged file is never read twice by the same code: results are keyed on content, source,
promise and a fingerprint of the program; entries are data, and a foreign one is rebuilt."""

from __future__ import annotations

import pickle

from workbooks import HEADER, row, write_xlsx

from lofte_pipeline import intake
from lofte_pipeline.cache import ParseCache, code_fingerprint
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.promise import promise_hash


def count_checks(monkeypatch) -> list:
    calls = []
    original = intake.check_file_here

    def counting(path, rules, limits=None, display_name=None):
        calls.append((display_name or path.name).rsplit("/", 1)[-1])
        return original(path, rules, limits or intake.ReadLimits(), display_name)

    monkeypatch.setattr(intake, "check_file_here", counting)
    return calls


def _inbox(tmp_path):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "a.xlsx", {"Logg": [HEADER, row("2019-01-02", "Mopedinsats", "Härad")]}
    )
    return inbox


def test_a_second_read_of_unchanged_files_parses_nothing(
    tmp_path, promise, promise_file, monkeypatch
):
    inbox = _inbox(tmp_path)
    (inbox / "kommunen").mkdir()
    (inbox / "kommunen" / "trasig.xlsx").write_text("nej", encoding="utf-8")
    calls = count_checks(monkeypatch)
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    first = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert sorted(calls) == ["a.xlsx", "trasig.xlsx"]
    second = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert sorted(calls) == ["a.xlsx", "trasig.xlsx"]  # nothing parsed again
    assert second.accepted.equals(first.accepted)
    assert [f.reason for f in second.files] == [f.reason for f in first.files]


def test_a_renamed_copy_is_served_from_the_cache_under_its_new_name(
    tmp_path, promise, promise_file, monkeypatch
):
    inbox = _inbox(tmp_path)
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    read_inbox(inbox, promise, cache=cache, isolate=False)
    (inbox / "polisen" / "a.xlsx").rename(inbox / "polisen" / "b.xlsx")
    calls = count_checks(monkeypatch)
    again = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert calls == [] and list(again.accepted["file"]) == ["polisen/b.xlsx"]


def test_a_changed_file_promise_or_program_is_parsed_again(
    tmp_path, promise, promise_file, monkeypatch
):
    inbox = _inbox(tmp_path)
    folder, promise_sha256 = tmp_path / "cache", promise_hash(promise_file)
    read_inbox(inbox, promise, cache=ParseCache(folder, promise_sha256), isolate=False)
    calls = count_checks(monkeypatch)
    read_inbox(inbox, promise, cache=ParseCache(folder, "another-promise-version"), isolate=False)
    assert calls == ["a.xlsx"]
    read_inbox(
        inbox, promise, cache=ParseCache(folder, promise_sha256, code="other code"), isolate=False
    )
    assert calls == ["a.xlsx", "a.xlsx"]
    write_xlsx(
        inbox / "polisen" / "a.xlsx", {"Logg": [HEADER, row("2019-01-03", "Mopedinsats", "Härad")]}
    )
    read_inbox(inbox, promise, cache=ParseCache(folder, promise_sha256), isolate=False)
    assert calls == ["a.xlsx", "a.xlsx", "a.xlsx"]


def test_the_fingerprint_is_of_the_code_not_its_version_string():
    assert len(code_fingerprint()) == 64
    assert code_fingerprint() == code_fingerprint()


def test_a_foreign_file_in_the_cache_folder_is_never_loaded_as_code(
    tmp_path, promise, promise_file, monkeypatch
):
    """Anyone who can write to the shared folder can put a file where an entry would be."""
    inbox = _inbox(tmp_path)
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    first = read_inbox(inbox, promise, cache=cache, isolate=False)
    marker = tmp_path / "kordes"

    class Payload:
        def __reduce__(self):
            return (marker.write_text, ("ja",))

    [entry] = list((tmp_path / "cache").rglob("*.json"))
    entry.write_bytes(pickle.dumps(Payload()))
    (entry.parent / (entry.stem + ".pickle")).write_bytes(pickle.dumps(Payload()))
    calls = count_checks(monkeypatch)
    again = read_inbox(inbox, promise, cache=cache, isolate=False)
    assert not marker.exists()
    assert calls == ["a.xlsx"]  # the foreign entry was ignored and the file read again
    assert again.accepted.equals(first.accepted)
    assert cache.get(first.files[0].sha256, "polisen", ".xlsx") is not None  # and rebuilt


def test_a_cached_parse_and_a_kept_bundle_are_rebuilt_when_the_code_changes(tmp_path):
    """An upgrade that changes how rows are read or counted must not keep the old results:
    a copy of the package is run, edited, and run again, as after an upgrade in place."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(
        repo / "src" / "lofte_pipeline",
        tmp_path / "src" / "lofte_pipeline",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copytree(repo / "templates", tmp_path / "templates")
    inbox = _inbox(tmp_path)
    out, state = tmp_path / "out", tmp_path / "state"

    def report() -> Path:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "lofte_pipeline",
                "report",
                "--promise",
                str(repo / "promises" / "strangnas-2019.yaml"),
                "--inbox",
                str(inbox),
                "--out",
                str(out),
                "--state",
                str(state),
                "--period",
                "2019-T1",
                "--no-pdf",
            ],
            check=True,
            capture_output=True,
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(tmp_path / "src")},
        )
        return (out / "strangnas-2019" / "2019-T1").resolve()  # the version folder in use

    def entries() -> int:
        return len(list((state / "cache").rglob("*.json")))

    first = report()
    assert entries() == 1
    assert report() == first and entries() == 1  # unchanged: bundle kept, nothing read again
    module = tmp_path / "src" / "lofte_pipeline" / "validate.py"
    module.write_text(
        module.read_text(encoding="utf-8") + "\n# 0.2.0, yet other code\n", encoding="utf-8"
    )
    assert report() != first  # the bundle was built again
    assert entries() == 2  # and the file read again, under the new code's key


def test_the_same_bytes_under_another_extension_are_checked_again(tmp_path, promise, promise_file):
    """What staff meant a file to be is in its extension: the same bytes as .docx are refused."""
    inbox = _inbox(tmp_path)
    data = (inbox / "polisen" / "a.xlsx").read_bytes()
    (inbox / "polisen" / "a.docx").write_bytes(data)
    cache = ParseCache(tmp_path / "cache", promise_hash(promise_file))
    intake = read_inbox(inbox, promise, cache=cache, isolate=False, settle_seconds=0)
    reasons = {f.path: f.reason for f in intake.files}
    assert reasons["polisen/a.xlsx"] is None
    assert "'.docx' stöds inte" in reasons["polisen/a.docx"]
