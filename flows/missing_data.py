"""Ten days before a deadline: which sources have sent nothing dated in the tertial?"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed

from flows.common import only_io_errors, run_date
from flows.events import DATA_MISSING, announce
from lofte_pipeline.archive import Archive, default_state_dir
from lofte_pipeline.cache import ParseCache
from lofte_pipeline.i18n import date_sv
from lofte_pipeline.intake import read_inbox
from lofte_pipeline.messages import message
from lofte_pipeline.period import Period, resolve_period
from lofte_pipeline.promise import load_promise, promise_hash
from lofte_pipeline.schedule import deadline
from lofte_pipeline.summary import missing_data_markdown, missing_sources


@task(retries=2, retry_delay_seconds=10, retry_condition_fn=only_io_errors)
def find_missing_sources(
    promise: str, inbox: str, period: str, state: str | None = None
) -> dict[str, Any]:
    """Read the inbox (cached by content) and list the sources with nothing dated in the period."""
    loaded = load_promise(promise)
    resolved = resolve_period(loaded, period)
    state_dir = Path(state) if state else default_state_dir(Path(inbox))
    cache = ParseCache(state_dir / "cache", promise_hash(promise))
    with Archive(state_dir) as archive:
        intake = read_inbox(Path(inbox), loaded, cache=cache, archive=archive)
    missing = missing_sources(intake, resolved)
    due = date_sv(deadline(resolved))
    return {
        "missing": missing,
        "due": due,
        "markdown": missing_data_markdown(intake, resolved, missing, due),
    }


@flow(name="saknade-underlag", log_prints=True)
def missing_data_check(
    promise: str, inbox: str, period: str | None = None, state: str | None = None
):
    """Ends as "Underlag saknas", with a list to chase, when a source has sent nothing for the
    tertial; the coordinator is told (flows/notifications.py).

    Args:
        promise: Löftesfilen (YAML)
        inbox: Inkorgen med en mapp per källa: INBOX/<källa>/
        period: Tertial att kontrollera, t.ex. 2019-T1. Tomt: tertialen körningen ligger i.
        state: Mapp för arkiv och bokföring (standard: lofte-state bredvid inkorgen)
    """
    period = period or Period.containing(run_date()).id
    found = find_missing_sources(promise, inbox, period, state)
    create_markdown_artifact(
        found["markdown"], key="saknade-underlag", description=f"Underlag för {period}"
    )
    if found["missing"]:
        sources = ", ".join(found["missing"])
        text = message("flode.underlag_saknas", period=period, sources=sources)
        print(text)
        loaded = load_promise(promise)
        announce(
            DATA_MISSING,
            loaded.id,
            loaded.title,
            message("flode.notis_saknas_amne", municipality=loaded.municipality, period=period),
            message("flode.notis_saknas_text", period=period, sources=sources, due=found["due"]),
            period=period,
            sources=found["missing"],
        )
        return Failed(message=text, name=message("flode.underlag_saknas_namn"))
    return Completed(message=message("flode.underlag_finns", period=period))
