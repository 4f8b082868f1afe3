"""What is deployed for one promise: four deployments named apart in the UI, and the runs the
pipeline makes by itself grouped into one schedule per kind and period.

Plain data, no Prefect: flows/deployments.py turns it into Prefect's deployments and schedules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .schedule import ScheduledRun

# Flow name -> the suffix of its deployment's name after the promise id.
DEPLOYMENT_SUFFIXES: dict[str, str] = {
    "tertialrapport": "rapport",
    "inkorg": "inkorg",
    "saknade-underlag": "saknade-underlag",
    "publicering": "publicering",
}

# Which flow runs each kind of scheduled run.
KIND_FLOWS: dict[str, str] = {
    "utkast": "tertialrapport",
    "slutlig": "publicering",
    "kontroll": "saknade-underlag",
}


def deployment_name(promise_id: str, flow_name: str) -> str:
    """The deployment's own name, e.g. strangnas-2019-rapport."""
    return f"{promise_id}-{DEPLOYMENT_SUFFIXES[flow_name]}"


def full_name(promise_id: str, flow_name: str) -> str:
    """The name Prefect's API and CLI take: <flow>/<deployment>, e.g. inkorg/strangnas-2019-inkorg."""
    return f"{flow_name}/{deployment_name(promise_id, flow_name)}"


@dataclass(frozen=True)
class ScheduleGroup:
    """The moments of one kind of run for one period: one schedule in Prefect."""

    kind: str
    period: str
    moments: tuple[datetime, ...]
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def flow(self) -> str:
        return KIND_FLOWS[self.kind]

    @property
    def slug(self) -> str:
        """Readable and stable, so deploying again updates the schedule: utkast-2027-t1."""
        return f"{self.kind}-{self.period.lower()}"


def schedule_parameters(kind: str, period: str) -> dict[str, Any]:
    """What a scheduled run passes to its flow: its period (and, for a draft, final=False)."""
    return {"period": period, "final": False} if kind == "utkast" else {"period": period}


def schedule_groups(runs: Iterable[ScheduledRun]) -> list[ScheduleGroup]:
    """One group per (kind, period), in the order of their first moment."""
    grouped: dict[tuple[str, str], list[datetime]] = {}
    for run in sorted(runs, key=lambda r: r.at):
        grouped.setdefault((run.kind, run.period), []).append(run.at)
    return [
        ScheduleGroup(kind, period, tuple(moments), schedule_parameters(kind, period))
        for (kind, period), moments in grouped.items()
    ]


def groups_for(flow_name: str, groups: Iterable[ScheduleGroup]) -> list[ScheduleGroup]:
    return [group for group in groups if group.flow == flow_name]
