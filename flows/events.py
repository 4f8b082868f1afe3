"""The events this project emits for people to be told about (flows/notifications.py turns them
into e-mail or a chat message through Prefect automations).

Every event is about one promise: its resource is `lofte.promise.<id>`, and its payload carries a
Swedish `subject` and `text` that say what happened and what to do, so an automation only
forwards them.
"""

from __future__ import annotations

from typing import Any

APPROVAL_WAITING = "lofte.granskning.vantar"
DATA_MISSING = "lofte.underlag.saknas"
FILE_REJECTED = "lofte.fil.avvisad"
EVENTS = (APPROVAL_WAITING, DATA_MISSING, FILE_REJECTED)


def announce(
    event: str, promise_id: str, title: str, subject: str, text: str, **extra: Any
) -> None:
    """Emit one of EVENTS about a promise; `extra` goes into the payload as it is."""
    from prefect.events import emit_event

    emit_event(
        event=event,
        resource={
            "prefect.resource.id": f"lofte.promise.{promise_id}",
            "prefect.resource.name": title,
        },
        payload={"subject": subject, "text": text, **extra},
    )
