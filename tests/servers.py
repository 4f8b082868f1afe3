"""For tests that start a Prefect server of their own beside the session's harness."""

from __future__ import annotations


def drain_prefect_workers() -> None:
    """Send the events and logs queued in this process to the server a fixture is about to
    stop: left queued, the session harness's teardown would try to flush them to a server that
    is gone, and wait for it."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    EventsWorker.drain_all(timeout=30)
    APILogWorker.drain_all(timeout=30)
