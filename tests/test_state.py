"""Shared state: the archive's manifest and the report lock, in SQLite and file locks on one
machine, or in a real PostgreSQL server when LOFTE_DATABASE_URL is set (workers on many machines).
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from workbooks import HEADER, row, write_xlsx

from lofte_pipeline.archive import Archive
from lofte_pipeline.bundle import OUTPUT_FILES
from lofte_pipeline.errors import ReportBusyError, SharedStateUnavailable
from lofte_pipeline.report import build_report
from lofte_pipeline.state import PostgresManifest, SqliteManifest, report_lock

MOPEDS = "Riktad insats trimmade mopeder"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request, monkeypatch):
    """Each test below once on the embedded default and once on the shared database."""
    if request.param == "postgres":
        monkeypatch.setenv("LOFTE_DATABASE_URL", request.getfixturevalue("postgres_url"))
    else:
        monkeypatch.delenv("LOFTE_DATABASE_URL", raising=False)
    return request.param


class Bytes:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = self.data, b""
        return data


def test_the_manifest_lives_where_the_configuration_says(backend, tmp_path):
    with Archive(tmp_path / "state") as archive:
        kind = PostgresManifest if backend == "postgres" else SqliteManifest
        assert type(archive.manifest) is kind
    assert (tmp_path / "state" / "manifest.sqlite").exists() == (backend == "sqlite")


def test_versions_become_current_and_history_is_kept(backend, tmp_path):
    with Archive(tmp_path / "state") as archive:
        first = archive.register(Bytes(b"ett"), "polisen/logg.xlsx", "polisen", mtime_ns=1)
        archive.record_outcome("polisen/logg.xlsx", first.sha256, "accepted")
        second = archive.register(Bytes(b"tva"), "polisen/logg.xlsx", "polisen", mtime_ns=2)
        again = archive.register(Bytes(b"ett"), "polisen/logg.xlsx", "polisen", mtime_ns=3)
        assert [v.current for v in archive.history("polisen/logg.xlsx")] == [True, False]
        assert [v.sha256 for v in archive.history("polisen/logg.xlsx")] == [
            first.sha256,
            second.sha256,
        ]
        assert again.outcome == "accepted" and again.mtime_ns == 3
        [current] = archive.current_versions()
        assert current.sha256 == first.sha256


def test_two_state_folders_never_see_each_others_manifest(backend, tmp_path):
    with Archive(tmp_path / "a") as one, Archive(tmp_path / "b") as other:
        one.register(Bytes(b"x"), "kommunen/a.xlsx", "kommunen")
        assert other.current_versions() == []
        assert [v.name for v in one.current_versions()] == ["kommunen/a.xlsx"]


def test_no_manifest_write_is_lost_when_many_writers_share_one_manifest(backend, tmp_path):
    state = tmp_path / "state"
    Archive(state).close()

    def write(writer: int) -> None:
        with Archive(state) as archive:
            for n in range(25):
                name = f"kommunen/fil-{n:02}.xlsx"
                archive.register(Bytes(f"{writer}-{n}".encode()), name, "kommunen")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(4)))
    with Archive(state) as archive:
        current = archive.current_versions()
        assert len(current) == 25  # one current version per name, whoever wrote last
        assert all(len(archive.history(v.name)) == 4 for v in current)


def test_one_report_is_built_by_one_run_at_a_time(backend, tmp_path):
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with report_lock(tmp_path / "ut", "strangnas-2019", "2019-T2", timeout=5):
            held.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    assert held.wait(10)
    started = time.monotonic()
    with (
        pytest.raises(ReportBusyError, match="strangnas-2019/2019-T2"),
        report_lock(tmp_path / "ut", "strangnas-2019", "2019-T2", timeout=0.5),
    ):
        pass
    assert time.monotonic() - started >= 0.5
    with report_lock(tmp_path / "ut", "strangnas-2019", "2019-T3", timeout=0.5):
        pass  # another period of the same promise is free
    release.set()
    thread.join()
    with report_lock(tmp_path / "ut", "strangnas-2019", "2019-T2", timeout=0.5):
        pass  # and the report itself once the first run is done


def test_a_report_is_the_same_whichever_database_holds_the_state(
    tmp_path, promise_file, postgres_url, monkeypatch
):
    inbox = tmp_path / "INBOX"
    write_xlsx(
        inbox / "polisen" / "logg.xlsx",
        {"Logg": [HEADER, row("2019-05-02", MOPEDS, "Härad"), row("2019-06-01", MOPEDS, "Härad")]},
    )
    (inbox / "kommunen").mkdir()
    monkeypatch.delenv("LOFTE_DATABASE_URL", raising=False)
    alone = build_report(promise_file, inbox, tmp_path / "a", "2019-T2", state_dir=tmp_path / "sa")
    monkeypatch.setenv("LOFTE_DATABASE_URL", postgres_url)
    shared = build_report(promise_file, inbox, tmp_path / "b", "2019-T2", state_dir=tmp_path / "sb")
    assert not (tmp_path / "sb" / "manifest.sqlite").exists()
    for name in OUTPUT_FILES:
        assert shared.path(name).read_bytes() == alone.path(name).read_bytes(), name
    assert alone.built and shared.built
    again = build_report(promise_file, inbox, tmp_path / "b", "2019-T2", state_dir=tmp_path / "sb")
    assert not again.built and again.version == shared.version  # nothing new: kept as it was


def test_an_unreachable_database_is_a_clear_swedish_error_without_the_password(
    tmp_path, promise_file, monkeypatch
):
    from servers import free_port

    monkeypatch.setenv(
        "LOFTE_DATABASE_URL", f"postgresql://lofte:hemligt@127.0.0.1:{free_port()}/lofte"
    )
    inbox = tmp_path / "INBOX"
    (inbox / "polisen").mkdir(parents=True)
    with pytest.raises(SharedStateUnavailable) as raised:
        build_report(promise_file, inbox, tmp_path / "ut", "2019-T2", pdf=False)
    text = str(raised.value)
    assert "LOFTE_DATABASE_URL" in text and "svarar inte" in text and "hemligt" not in text
    assert isinstance(raised.value, OSError)  # a flow retries it like a shared-folder hiccup
