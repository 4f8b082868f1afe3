"""Pieces every flow shares: the retry rule and the run's own date."""

from __future__ import annotations

from datetime import date


def only_io_errors(task, task_run, state) -> bool:
    """Retry a shared-folder hiccup; never retry a validation or promise-file error.

    Prefect's retry hook: its arguments are Prefect's task, task run and state."""
    try:
        state.result()
    except OSError:
        return True
    except Exception:
        return False
    return False


def run_date() -> date:
    """The Swedish date of this run's scheduled start (today for a manual run)."""
    from prefect.runtime import flow_run

    from lofte_pipeline.schedule import local_date

    return local_date(flow_run.scheduled_start_time)
