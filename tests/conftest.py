"""Shared fixtures: the bundled promise, an inbox factory, and one Prefect harness per session."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from lofte_pipeline.promise import Promise, bundled_promise_path, load_promise

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def files_settle_at_once(monkeypatch):
    """Tests write their inbox and report at once: no run waits for files to settle, except in
    the tests of settling, which set their own interval."""
    monkeypatch.setattr("lofte_pipeline.intake.DEFAULT_SETTLE_SECONDS", 0.0)


PROMISE_FILE = REPO / "promises" / "strangnas-2019.yaml"


@pytest.fixture(scope="session")
def promise_file() -> Path:
    return PROMISE_FILE


@pytest.fixture(scope="session")
def promise() -> Promise:
    assert bundled_promise_path() == PROMISE_FILE
    return load_promise(PROMISE_FILE)


@pytest.fixture(scope="session")
def prefect_harness():
    """One Prefect test server for the whole session: starting one takes ~15 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def no_weasyprint_warnings(caplog):
    """Rendering must be clean: any WeasyPrint warning (unknown CSS, bad metadata) fails."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    yield
    warnings = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
    ]
    assert not warnings, warnings


@pytest.fixture(scope="session")
def postgres_url():
    """One real PostgreSQL server for the session (Debian's package), stopped at its end."""
    from servers import PostgresServer

    server = PostgresServer()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture
def shared_database(postgres_url, monkeypatch):
    """The pipeline's shared state in that PostgreSQL server, as on workers of many machines."""
    monkeypatch.setenv("LOFTE_DATABASE_URL", postgres_url)
    return postgres_url
