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
from .indicator_values import indicator_figures, no_values
from .models import Correction, Intake
from .promise import Kind, Measure, Promise, Rhythm, Target
from .public import public_files, public_text
from .reconcile import PlaceCount, Rate, Reconciliation, Shortfall, Status, TargetFigures


class RhythmRule(BaseModel):
    """A rule per calendar period: at least `amount` in each, or on average (`average`)."""

    unit: str
    amount: float
    average: bool

    @classmethod
    def of(cls, rhythm: Rhythm) -> RhythmRule:
        return cls(unit=rhythm.unit, amount=rhythm.amount, average=rhythm.average)


class Promised(BaseModel):
    """What the promise itself names: never a number or a condition it does not."""

    minimum: int | None
    every_district: bool
    places: list[str]
    per_tertial_minimum: int | None
    per_month_minimum: int | None
    rhythms: list[RhythmRule]
    per_place_minimum: int | None
    deadline: dt.date | None


class FollowUpRule(BaseModel):
    """The partners' own rule for judging the target, kept apart from the promise's words."""

    minimum: int | None
    per_tertial_minimum: int | None
    per_month_minimum: int | None
    every_district: bool
    places: list[str]
    whole_year: bool
    rhythms: list[RhythmRule]
    per_place_minimum: int | None


class IndicatorValue(BaseModel):
    period: str
    value: float
    status: str
    source: str
    read_on: str | None


class IndicatorFigure(BaseModel):
    """An outcome indicator with its values as the coordinator gave them (indicator_values)."""

    id: str
    name: str
    unit: str
    source: str
    statement: str | None
    direction: str | None
    level: float | None
    quote: str
    values: list[IndicatorValue]
    latest: IndicatorValue | None
    previous_year: IndicatorValue | None


class Partner(BaseModel):
    id: str
    name: str
    kind: str
    sources: list[str]


class Narrative(BaseModel):
    """A partner's own text about the target for one tertial (Redovisning sheet), redacted."""

    source: str
    period: str
    text: str
    next_step: str


class Statement(BaseModel):
    id: str
    heading: str
    text: str


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
    kind: Kind
    statement: str
    quote: str
    promised: Promised
    follow_up: FollowUpRule
    measure: Measure
    amount_in_period: int | None
    amount_to_date: int | None
    amount_unit: str | None
    narrative: list[Narrative]
    shortfalls: list[Shortfall]
    place_counts: list[PlaceCount]
    rate: Rate | None
    responsible: list[str]
    joint: bool
    not_counted: int
    triggers_to_date: int | None
    done_on: dt.date | None
    deadline: dt.date | None
    part_of: str | None

    @classmethod
    def of(cls, target: Target, figures: TargetFigures, narrative: list[Narrative]) -> TargetFigure:
        rule = target.follow_up
        return cls.model_validate(
            {
                **{name: getattr(figures, name) for name in _COMPUTED},
                "statement": target.promise_statement,
                "quote": target.quote,
                "promised": Promised(
                    minimum=target.goal,
                    every_district=target.every_district,
                    places=[p.name for p in target.places],
                    per_tertial_minimum=target.per_tertial_minimum,
                    per_month_minimum=target.per_month_minimum,
                    rhythms=[RhythmRule.of(r) for r in target.own_rhythms],
                    per_place_minimum=target.per_place_minimum,
                    deadline=target.deadline,
                ),
                "follow_up": FollowUpRule(
                    minimum=rule.minimum,
                    per_tertial_minimum=rule.per_tertial_minimum,
                    per_month_minimum=rule.per_month_minimum,
                    every_district=rule.every_district,
                    places=[p.name for p in rule.places],
                    whole_year=rule.whole_year,
                    rhythms=[RhythmRule.of(r) for r in rule.own_rhythms],
                    per_place_minimum=rule.per_place_minimum,
                ),
                "narrative": narrative,
                "part_of": target.part_of,
            }
        )


_COMPUTED = [
    name
    for name in TargetFigure.model_fields
    if name not in {"statement", "quote", "promised", "follow_up", "narrative", "part_of"}
]


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
    statements: list[Statement]
    promise_start: dt.date
    promise_end: dt.date
    periods: list[str]
    final: bool
    annual: bool
    partners: list[Partner]
    indicators: list[IndicatorFigure]

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
        narrative = narratives(promise, intake, period.id)
        return cls(
            promise=promise.id,
            period=period.id,
            period_start=promise.span(period)[0],
            period_end=promise.span(period)[1],
            municipality=promise.municipality,
            year=promise.year,
            targets=[
                TargetFigure.of(promise.target_by_id[t.id], t, narrative.get(t.id, []))
                for t in result.targets
            ],
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
            statements=[
                Statement(id=s.id, heading=s.title, text=s.text) for s in promise.statements
            ],
            promise_start=promise.start,
            promise_end=promise.end,
            periods=[p.id for p in promise.periods],
            final=promise.is_final(period),
            annual=promise.is_annual(period),
            partners=[
                Partner(id=p.id, name=p.name, kind=p.kind, sources=list(p.sources))
                for p in promise.partners
            ],
            indicators=[
                IndicatorFigure.model_validate(i)
                for i in indicator_figures(promise, _values(intake), period)
            ],
        )

    def document(self) -> dict[str, Any]:
        """As figures.json holds it: what ReportResult.figures and the run summaries read."""
        return self.model_dump(mode="json")


def _values(intake: Intake) -> Any:
    values = getattr(intake, "indicators", None)
    return no_values() if values is None or values.empty else values


def narratives(
    promise: Promise, intake: Intake, until: str | None = None
) -> dict[str, list[Narrative]]:
    """The partners' texts per target id up to the period `until` (a report never publishes a
    later tertial's text), each named by the partner (source) that wrote it; the same text given
    twice (a file copied, a workbook kept cumulatively) once."""
    frame = getattr(intake, "narratives", None)
    if frame is None or frame.empty:
        return {}
    names = {s.id: s.name for s in promise.sources}
    found: dict[str, list[Narrative]] = {}
    for row in frame.itertuples():
        if until is not None and str(row.period) > until:
            continue
        told = Narrative(
            source=names.get(str(row.source), str(row.source)),
            period=str(row.period),
            text=str(row.text),
            next_step=str(row.next_step or ""),
        )
        mine = found.setdefault(str(row.target), [])
        if told not in mine:
            mine.append(told)
    return found
