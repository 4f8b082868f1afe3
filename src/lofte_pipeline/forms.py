"""The run form in the Prefect UI: Swedish titles for every flow parameter, and the period as a
choice among the promise's tertials instead of free text.

Prefect builds a deployment's form from a JSON schema of the flow's parameters (their names as
titles, the docstring's lines as descriptions). `swedish_form` rewrites such a schema; it is
plain data in, data out, so the flows only hand it over.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

TITLES: dict[str, str] = {
    "promise": "Löftesfil",
    "inbox": "Inkorg",
    "out": "Rapportmapp",
    "period": "Period",
    "final": "Slutlig rapport",
    "state": "Bokföringsmapp",
    "lang": "Språk",
    "publish_dir": "Publiceringsmapp",
    "change_note": "Ändringsnotering",
    "approval_timeout_hours": "Väntetid för granskning (timmar)",
    "settle_seconds": "Tid innan en fil läses (sekunder)",
}

# The two options of the period field, as the form names them.
CHOOSE_PERIOD = "Välj tertial"
RUN_PERIOD = "Tomt: tertialen körningen hör till"


def swedish_form(schema: dict[str, Any], periods: Sequence[str]) -> dict[str, Any]:
    """A copy of a flow's parameter schema with Swedish titles, and `period` (when the flow has
    one) a choice among `periods` or empty (the flow then picks the tertial of the run)."""
    form = copy.deepcopy(schema)
    properties: dict[str, dict[str, Any]] = form.get("properties", {})
    for name, field in properties.items():
        field["title"] = TITLES.get(name, field.get("title", name))
    if "period" in properties and periods:
        field = properties["period"]
        for key in ("type", "anyOf", "enum"):
            field.pop(key, None)
        field["anyOf"] = [
            {"type": "string", "enum": list(periods), "title": CHOOSE_PERIOD},
            {"type": "null", "title": RUN_PERIOD},
        ]
        field.setdefault("default", None)
    return form


def untitled(schema: dict[str, Any]) -> list[str]:
    """The parameters of a schema that still show their Python name as title."""
    return [
        name
        for name, field in schema.get("properties", {}).items()
        if field.get("title") in (None, name)
    ]
