"""figures.json as one typed document, `Figures`: the contract of docs/figures-schema.md.

The aggregated figures are what a report publishes and what other programs (the web, the run
summaries, next year's report) read back, so their shape is a model of its own, apart from how a
bundle is laid out or written: built once from the reconciliation and the intake, serialised once,
and validated again when an unchanged bundle's figures.json is read back.

It is public: a rejected file is named by its source and number, its reason without the names
staff gave (public.py), and every free text is redacted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from . import __version__
from .models import Correction, Intake
from .promise import Promise
from .public import public_files, public_text
from .reconcile import Reconciliation, Status


class TargetFigure(BaseModel):
    """One target in figures.json (docs/figures-schema.md); the fields in the file's order."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    status: Status
    goal: int | None
    done_in_period: int
    done_to_date: int
    districts_missing: list[str]
    places_missing: list[str]
    periods_missing: list[str]
    title: str
    expected_to_date: int | None
    districts_covered: list[str]
    places_visited: list[str]
    done_per_period: dict[str, int]


class SourceFigures(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    files: int
    rows_accepted: int
    rows_rejected: int
    files_rejected: int


class RejectedFile(BaseModel):
    file: str
    reason: str


class CorrectionNote(BaseModel):
    date: dt.date
    note: str


class Figures(BaseModel):
    """figures.json, the contract of docs/figures-schema.md, in the file's order."""

    promise: str
    period: str
    period_start: dt.date
    period_end: dt.date
    municipality: str
    year: int
    targets: list[TargetFigure]
    sources: dict[str, SourceFigures]
    rejected_files: list[RejectedFile]
    activities_counted: int
    personal_data_removed: int
    draft: bool
    program_version: str
    promise_sha256: str
    corrections: list[CorrectionNote]

    @classmethod
    def of(
        cls,
        promise: Promise,
        result: Reconciliation,
        intake: Intake,
        *,
        draft: bool = True,
        promise_sha256: str = "",
        corrections: Sequence[Correction] = (),
    ) -> Figures:
        period = result.period
        return cls(
            promise=promise.id,
            period=period.id,
            period_start=period.start,
            period_end=period.end,
            municipality=promise.municipality,
            year=promise.year,
            targets=[TargetFigure.model_validate(t) for t in result.targets],
            sources={s.id: SourceFigures.model_validate(s) for s in intake.sources.values()},
            rejected_files=[
                RejectedFile(file=f.name, reason=f.reason)
                for f in public_files(intake)
                if not f.accepted
            ],
            activities_counted=len(result.activities),
            personal_data_removed=len(intake.findings),
            draft=draft,
            program_version=__version__,
            promise_sha256=promise_sha256,
            corrections=[CorrectionNote(date=c.day, note=public_text(c.note)) for c in corrections],
        )

    def document(self) -> dict[str, Any]:
        """As figures.json holds it: what ReportResult.figures and the run summaries read."""
        return self.model_dump(mode="json")
