"""The promise file: one YAML file per municipality and year, loaded into validated models.

Keys in the file are Swedish (the people who edit it are); attributes in code are English.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, NamedTuple

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import PromiseFileError
from .layout import CANONICAL_COLUMNS
from .messages import message
from .period import Period, promise_tertials
from .promise_problems import explain, unique, unique_names
from .text import fold

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, str_strip_whitespace=True
    )


class Signatory(_Model):
    name: Text = Field(alias="namn")
    role: str = Field("", alias="roll")


class PromiseStatement(_Model):
    """One löfte: the promise's own words, under a short heading of the file's."""

    id: Slug
    heading: str = Field("", alias="rubrik")
    text: Text

    @property
    def title(self) -> str:
        """The heading, or when the file gives none the löfte's first sentence."""
        return self.heading or first_sentence(self.text)


def first_sentence(text: str) -> str:
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


class NamedPlace(_Model):
    """A district or a named place; synonyms are other spellings staff use."""

    name: Text = Field(alias="namn")
    synonyms: tuple[Text, ...] = Field((), alias="synonymer")

    @property
    def keys(self) -> set[str]:
        return {fold(self.name), *(fold(s) for s in self.synonyms)}


class Contact(_Model):
    """Who the public contacts about the report (shown in the accessibility statement)."""

    name: Text = Field(alias="namn")
    email: str = Field("", alias="epost")
    phone: str = Field("", alias="telefon")


class Source(_Model):
    id: Slug
    name: Text = Field(alias="namn")
    column_synonyms: dict[str, tuple[Text, ...]] = Field({}, alias="kolumnsynonymer")

    @field_validator("column_synonyms")
    @classmethod
    def _known_columns(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        unknown = [k for k in value if k not in CANONICAL_COLUMNS]
        if unknown:
            raise ValueError(
                message(
                    "loftesfil.okand_kolumn",
                    unknown=", ".join(unknown),
                    columns=", ".join(CANONICAL_COLUMNS),
                )
            )
        return value


class Activity(_Model):
    """A value of the Aktivitet column and the target it counts toward."""

    label: Text = Field(alias="namn")
    synonyms: tuple[Text, ...] = Field((), alias="synonymer")
    target: Slug = Field(alias="mal")
    one_per_place: bool = Field(False, alias="en_per_plats")
    one_per_row: bool = Field(False, alias="en_per_rad")
    """Each row is an activity of its own (two controls at one place on one day are two)."""
    triggers: bool = Field(False, alias="utloser")
    """A request or event that a conditional commitment answers ("om det uppkommer önskemål"):
    counted as a trigger of its target, not as work done."""

    @property
    def keys(self) -> set[str]:
        return {fold(self.label), *(fold(s) for s in self.synonyms)}


Kind = Literal["commitment", "aim", "ongoing", "conditional", "task"]
Measure = Literal["occasions", "areas", "amount"]
Unit = Literal["day", "week", "month", "quarter", "tertial", "year"]
PartnerKind = Literal["police", "municipality", "other"]
KINDS: dict[str, Kind] = {
    "atagande": "commitment",
    "malsattning": "aim",
    "lopande": "ongoing",
    "villkor": "conditional",
    "uppgift": "task",
}
MEASURES: dict[str, Measure] = {"tillfallen": "occasions", "omraden": "areas", "antal": "amount"}
UNITS: dict[str, Unit] = {
    "dag": "day",
    "dygn": "day",
    "vecka": "week",
    "manad": "month",
    "kvartal": "quarter",
    "tertial": "tertial",
    "ar": "year",
}
PARTNER_KINDS: dict[str, PartnerKind] = {
    "polis": "police",
    "kommun": "municipality",
    "annan": "other",
}


def _word(choices: dict[str, Any], field: str, words: str) -> Any:
    """A Swedish word of the file ('målsättning') as its code ('aim'), however it is spelt."""

    def parse(value: object) -> object:
        if not isinstance(value, str) or value in choices.values():
            return value
        key = fold(value)
        if key not in choices:
            raise ValueError(message("loftesfil.okant_ord", field=field, value=value, words=words))
        return choices[key]

    return parse


class Rhythm(NamedTuple):
    """A rule per calendar period: at least `amount` in each period, or on average over them."""

    unit: Unit
    amount: float
    average: bool = False


class _Rules(_Model):
    """The rules a target can be judged by, whether the promise names them or the follow-up."""

    per_day_minimum: int | None = Field(None, alias="minst_per_dag", ge=1)
    per_week_minimum: int | None = Field(None, alias="minst_per_vecka", ge=1)
    per_month_minimum: int | None = Field(None, alias="minst_per_manad", ge=1)
    per_quarter_minimum: int | None = Field(None, alias="minst_per_kvartal", ge=1)
    per_tertial_minimum: int | None = Field(None, alias="minst_per_tertial", ge=1)
    per_year_minimum: int | None = Field(None, alias="minst_per_ar", ge=1)
    per_day_average: float | None = Field(None, alias="i_snitt_per_dag", gt=0)
    per_week_average: float | None = Field(None, alias="i_snitt_per_vecka", gt=0)
    per_month_average: float | None = Field(None, alias="i_snitt_per_manad", gt=0)
    per_quarter_average: float | None = Field(None, alias="i_snitt_per_kvartal", gt=0)
    per_tertial_average: float | None = Field(None, alias="i_snitt_per_tertial", gt=0)
    per_year_average: float | None = Field(None, alias="i_snitt_per_ar", gt=0)
    per_place_minimum: int | None = Field(None, alias="minst_per_plats", ge=1)
    """Each place (those listed, or when none is listed every place the logs give) this many."""

    @property
    def own_rhythms(self) -> tuple[Rhythm, ...]:
        found: list[Rhythm] = []
        for unit in RHYTHM_UNITS:
            minimum = getattr(self, f"per_{unit}_minimum")
            if minimum is not None:
                found.append(Rhythm(unit, minimum))
            average = getattr(self, f"per_{unit}_average")
            if average is not None:
                found.append(Rhythm(unit, average, average=True))
        return tuple(found)


RHYTHM_UNITS: tuple[Unit, ...] = ("day", "week", "month", "quarter", "tertial", "year")


class FollowUp(_Rules):
    """How the partners agree to judge a target: the follow-up's rule, not the promise's words
    (a "kontinuerligt" read as once a tertial, a commitment without a number read as at least
    once). Reported apart from what was promised."""

    minimum: int | None = Field(None, alias="minst", ge=1)
    every_district: bool = Field(False, alias="alla_kommundelar")
    places: tuple[NamedPlace, ...] = Field((), alias="platser")
    whole_year: bool = Field(False, alias="hela_aret")
    """The work runs all year: it is not achieved before the year's final report."""

    @property
    def empty(self) -> bool:
        return self == FollowUp.model_validate({})


class Target(_Rules):
    """One thing the promise says will be done: its words, their kind, and how it is judged.

    `goal`, `every_district`, `places` and the rhythms are what the promise itself names;
    `follow_up` is the partners' own rule. With neither it is reported only (status
    'reported'). `responsible` names the partners whose reports count toward it; a `joint`
    target counts an activity only when each of them reported it."""

    id: Slug
    promise_statement: Slug = Field(alias="lofte")
    title: Text = Field(alias="rubrik")
    quote: Text = Field(alias="citat")
    kind: Kind = Field("commitment", alias="slag")
    goal: int | None = Field(None, alias="minst", ge=1)
    every_district: bool = Field(False, alias="alla_kommundelar")
    places: tuple[NamedPlace, ...] = Field((), alias="platser")
    follow_up: FollowUp = Field(
        default_factory=lambda: FollowUp.model_validate({}), alias="uppfoljning"
    )
    measure_word: Measure | None = Field(None, alias="matt")
    amount_unit: str | None = Field(None, alias="enhet", min_length=1)
    responsible: tuple[Slug, ...] = Field((), alias="ansvar")
    joint: bool = Field(False, alias="gemensamt")
    part_of: Slug | None = Field(None, alias="del_av")
    """A target nested in another ("minst två av dessa mot mopedkörning"): its activities count
    toward the other as well."""
    deadline: date | None = Field(None, alias="senast")
    rate: Unit | None = Field(None, alias="takt")
    """The report gives the pace per day, week … ("0,78 per dag")."""

    _kind = field_validator("kind", mode="before")(
        _word(KINDS, "slag", "åtagande, målsättning, löpande, villkor, uppgift")
    )
    _measure = field_validator("measure_word", mode="before")(
        _word(MEASURES, "matt", "tillfällen, områden, antal")
    )
    _rate = field_validator("rate", mode="before")(
        _word(UNITS, "takt", "dag, vecka, månad, kvartal, tertial, år")
    )

    @model_validator(mode="after")
    def _amount_has_unit(self) -> Target:
        if self.measure_word == "amount" and not self.amount_unit:
            raise ValueError(message("loftesfil.antal_utan_enhet", target=self.id))
        return self

    # What the target is judged by: the promise's own criteria and the follow-up's together.
    @property
    def minimum(self) -> int | None:
        return self.goal if self.goal is not None else self.follow_up.minimum

    @property
    def rhythms(self) -> tuple[Rhythm, ...]:
        """The promise's own rhythms, then the follow-up's for units the promise leaves open."""
        own = self.own_rhythms
        named = {(r.unit, r.average) for r in own}
        return own + tuple(
            r for r in self.follow_up.own_rhythms if (r.unit, r.average) not in named
        )

    @property
    def tertial_minimum(self) -> int | None:
        return self.per_tertial_minimum or self.follow_up.per_tertial_minimum

    @property
    def month_minimum(self) -> int | None:
        return self.per_month_minimum or self.follow_up.per_month_minimum

    @property
    def place_minimum(self) -> int | None:
        return self.per_place_minimum or self.follow_up.per_place_minimum

    @property
    def in_every_district(self) -> bool:
        return self.every_district or self.follow_up.every_district

    @property
    def judged_places(self) -> tuple[NamedPlace, ...]:
        named = {p.name for p in self.places}
        return self.places + tuple(p for p in self.follow_up.places if p.name not in named)

    @property
    def recurring(self) -> bool:
        return bool(self.rhythms)

    @property
    def whole_year(self) -> bool:
        """Not achieved before the final report: ongoing work, a condition that may still be
        triggered, or a rule for the whole promise."""
        return self.kind in ("ongoing", "conditional") or self.follow_up.whole_year

    @property
    def reported_only(self) -> bool:
        return (
            self.minimum is None
            and not self.in_every_district
            and not self.judged_places
            and not self.recurring
            and not self.place_minimum
            and self.kind not in ("conditional", "task")
        )


class Partner(_Model):
    """Who stands behind the promise: the police, a municipality, or another party (Trafikverket,
    a housing company); its reports come in through its inbox sources."""

    id: Slug
    name: Text = Field(alias="namn")
    kind: PartnerKind = Field("other", alias="slag")
    sources: tuple[Slug, ...] = Field((), alias="kallor")

    _kind = field_validator("kind", mode="before")(
        _word(PARTNER_KINDS, "slag", "polis, kommun, annan")
    )


Direction = Literal["decrease", "increase", "keep"]
DIRECTIONS: dict[str, Direction] = {"minska": "decrease", "oka": "increase", "behalla": "keep"}


class Indicator(_Model):
    """An outcome the promise aims at (a survey's share feeling unsafe, reported burglaries):
    its values come from the coordinator, never from the activity logs."""

    id: Slug
    name: Text = Field(alias="namn")
    unit: str = Field("", alias="enhet")
    source: str = Field("", alias="kalla")
    """Where the values come from ("Polisens trygghetsmätning", "anmälda brott, BRÅ")."""
    promise_statement: Slug | None = Field(None, alias="lofte")
    direction: Direction | None = Field(None, alias="riktning")
    level: float | None = Field(None, alias="niva")
    """The level the promise names ("till 26 %"), in the indicator's unit."""
    quote: str = Field("", alias="citat")

    _direction = field_validator("direction", mode="before")(
        _word(DIRECTIONS, "riktning", "minska, öka, behålla")
    )


MAX_PROMISE_DAYS = 5 * 366
_NO_DATE = date(2000, 1, 1)


def _as_date(value: Any) -> date | None:
    """A start date as written: a YAML date, or the same in quotes; None for anything else (the
    field's own check then says what is wrong)."""
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


class Promise(_Model):
    id: Slug
    title: Text = Field(alias="titel")
    municipality: Text = Field(alias="kommun")
    police_area: Text = Field(alias="polisomrade")
    year: int = Field(alias="ar", ge=2000, le=2100)
    """The year it starts; with `ar` alone the promise runs that calendar year."""
    start: date = Field(alias="borjar")
    end: date = Field(alias="slutar")
    partners: tuple[Partner, ...] = Field((), alias="parter")
    indicators: tuple[Indicator, ...] = Field((), alias="indikatorer")
    signed: date | None = Field(None, alias="undertecknat")
    signatories: tuple[Signatory, ...] = Field((), alias="undertecknare")
    purpose: str = Field("", alias="syfte")
    follow_up: str = Field("", alias="uppfoljning")
    publish_comments: bool = Field(False, alias="publicera_kommentarer")
    contact: Contact | None = Field(None, alias="kontakt")
    """Free-text comments are published in aktiviteter.csv only when the promise says so."""
    statements: tuple[PromiseStatement, ...] = Field(alias="loften", min_length=1)
    districts: tuple[NamedPlace, ...] = Field((), alias="kommundelar")
    sources: tuple[Source, ...] = Field(alias="kallor", min_length=1)
    activities: tuple[Activity, ...] = Field(alias="aktiviteter", min_length=1)
    targets: tuple[Target, ...] = Field(alias="mal", min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _dates(cls, data: Any) -> Any:
        """`ar: 2019` alone is the calendar year; `borjar`/`slutar` alone give the year."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        year = data.get("ar", data.get("year"))
        start_key = "borjar" if "borjar" in data or "start" not in data else "start"
        end_key = "slutar" if "slutar" in data or "end" not in data else "end"
        if isinstance(year, int) and not isinstance(year, bool) and 2000 <= year <= 2100:
            data.setdefault(start_key, date(year, 1, 1))
            data.setdefault(end_key, date(year, 12, 31))
        elif year is None and (start := _as_date(data.get(start_key))) is not None:
            data["ar"] = start.year  # a quoted "2020-09-01" is a date as well
        elif start_key not in data and end_key not in data:
            # `ar` is missing or wrong and is reported; the dates it stands for are not
            # reported missing as well.
            data[start_key], data[end_key] = _NO_DATE, _NO_DATE
        return data

    @model_validator(mode="after")
    def _consistent(self) -> Promise:
        """Every cross-reference in the file, each wrong one named once."""
        problems = self._date_problems() + self._reference_problems()
        if problems:
            raise ValueError("\n".join(problems))
        return self

    def _date_problems(self) -> list[str]:
        if self.start == _NO_DATE:
            return []
        if self.end < self.start:
            return [message("loftesfil.slutar_fore_borjar", start=self.start, end=self.end)]
        if (self.end - self.start).days > MAX_PROMISE_DAYS:
            return [message("loftesfil.for_lang", start=self.start, end=self.end)]
        if self.start.year != self.year:
            return [message("loftesfil.ar_och_borjar", year=self.year, start=self.start)]
        return []

    def _reference_problems(self) -> list[str]:
        problems: list[str] = []
        for check in (
            lambda: unique("loften", [s.id for s in self.statements]),
            lambda: unique("kallor", [s.id for s in self.sources]),
            lambda: unique("mal", [t.id for t in self.targets]),
            lambda: unique("parter", [p.id for p in self.partners]),
            lambda: unique("indikatorer", [i.id for i in self.indicators]),
            lambda: unique_names(
                "kommundelar", [d.keys for d in self.districts], [d.name for d in self.districts]
            ),
            lambda: unique_names(
                "aktiviteter",
                [a.keys for a in self.activities],
                [a.label for a in self.activities],
            ),
        ):
            try:
                check()
            except ValueError as exc:
                problems.append(str(exc))
        target_ids = {t.id for t in self.targets}
        targets = ", ".join(sorted(target_ids))
        by_id = {t.id: t for t in self.targets}
        for i, activity in enumerate(self.activities):
            if activity.target not in target_ids:
                problems.append(
                    message("loftesfil.okant_mal", index=i, target=activity.target, targets=targets)
                )
            elif activity.triggers and by_id[activity.target].kind != "conditional":
                problems.append(message("loftesfil.utloser_utan_villkor", index=i))
        statement_ids = {s.id for s in self.statements}
        statements = ", ".join(sorted(statement_ids))
        counted = {a.target for a in self.activities if not a.triggers}
        counted |= {t.part_of for t in self.targets if t.part_of}
        triggered = {a.target for a in self.activities if a.triggers}
        partner_ids = {p.id for p in self.partners}
        for i, target in enumerate(self.targets):
            if target.promise_statement not in statement_ids:
                problems.append(
                    message(
                        "loftesfil.okant_lofte",
                        index=i,
                        statement=target.promise_statement,
                        statements=statements,
                    )
                )
            if target.id not in counted:
                problems.append(message("loftesfil.mal_utan_aktivitet", index=i, target=target.id))
            if target.kind == "conditional" and target.id not in triggered:
                problems.append(message("loftesfil.villkor_utan_utlosare", index=i))
            for partner in target.responsible:
                if partner not in partner_ids:
                    problems.append(
                        message(
                            "loftesfil.okand_part",
                            location=f"mal[{i}].ansvar",
                            partner=partner,
                            partners=", ".join(sorted(partner_ids)) or "–",
                        )
                    )
            if target.joint and len(target.responsible) < 2:
                problems.append(message("loftesfil.gemensamt_utan_parter", index=i))
            if target.part_of is not None:
                problems.extend(self._nesting_problem(i, target, by_id))
        problems.extend(self._partner_problems())
        for i, indicator in enumerate(self.indicators):
            if indicator.promise_statement and indicator.promise_statement not in statement_ids:
                problems.append(
                    message(
                        "loftesfil.okant_lofte_indikator",
                        index=i,
                        statement=indicator.promise_statement,
                        statements=statements,
                    )
                )
        return problems

    def _nesting_problem(self, index: int, target: Target, by_id: dict[str, Target]) -> list[str]:
        seen = {target.id}
        parent = target.part_of
        while parent is not None:
            if parent not in by_id:
                return [
                    message(
                        "loftesfil.okant_del_av",
                        index=index,
                        target=parent,
                        targets=", ".join(sorted(by_id)),
                    )
                ]
            if parent in seen:
                return [message("loftesfil.del_av_cirkel", index=index, target=target.id)]
            seen.add(parent)
            parent = by_id[parent].part_of
        return []

    def _partner_problems(self) -> list[str]:
        problems: list[str] = []
        source_ids = {s.id for s in self.sources}
        owner: dict[str, str] = {}
        for i, partner in enumerate(self.partners):
            for source in partner.sources:
                if source not in source_ids:
                    problems.append(
                        message(
                            "loftesfil.okand_kalla_part",
                            index=i,
                            source=source,
                            sources=", ".join(sorted(source_ids)),
                        )
                    )
                elif source in owner:
                    problems.append(
                        message(
                            "loftesfil.kalla_tva_parter",
                            index=i,
                            source=source,
                            owner=owner[source],
                        )
                    )
                else:
                    owner[source] = partner.id
        return problems

    # Lookups used by validation and reconciliation.
    @cached_property
    def activity_by_key(self) -> dict[str, Activity]:
        return {key: a for a in self.activities for key in a.keys}

    @cached_property
    def district_by_key(self) -> dict[str, str]:
        return {key: d.name for d in self.districts for key in d.keys}

    @cached_property
    def target_by_id(self) -> dict[str, Target]:
        return {t.id: t for t in self.targets}

    @cached_property
    def source_ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.sources)

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise PromiseFileError(
            message("loftesfil.okand_kalla", source=source_id, sources=", ".join(self.source_ids))
        )

    def measure(self, target: Target) -> Measure:
        """Occasions, unless the file says otherwise or every activity of it is a new area."""
        if target.measure_word is not None:
            return target.measure_word
        mine = self.activities_for(target.id)
        return "areas" if mine and all(a.one_per_place for a in mine) else "occasions"

    def activities_for(self, target_id: str) -> list[Activity]:
        return [a for a in self.activities if a.target == target_id]

    def counted_targets(self, target_id: str) -> set[str]:
        """The target and those nested in it: activities of each count toward it."""
        found = {target_id}
        while True:
            more = {t.id for t in self.targets if t.part_of in found} - found
            if not more:
                return found
            found |= more

    @cached_property
    def partner_by_source(self) -> dict[str, Partner]:
        return {source: p for p in self.partners for source in p.sources}

    def partner(self, partner_id: str) -> Partner:
        return next(p for p in self.partners if p.id == partner_id)

    @property
    def periods(self) -> tuple[Period, ...]:
        """The tertials the promise runs over, the first and last clipped to its dates."""
        return promise_tertials(self.start, self.end)

    def span(self, period: Period) -> tuple[date, date]:
        """The days of `period` that the promise covers."""
        return max(period.start, self.start), min(period.end, self.end)

    @property
    def calendar_year(self) -> bool:
        """The promise runs 1 January – 31 December of its year (all but a few do)."""
        return self.start == date(self.year, 1, 1) and self.end == date(self.year, 12, 31)

    def is_final(self, period: Period) -> bool:
        return period == self.periods[-1]

    def is_annual(self, period: Period) -> bool:
        """A report that sums up a calendar year: the year's last tertial, or the promise's."""
        return period.tertial == 3 or self.is_final(period)

    def statement(self, statement_id: str) -> PromiseStatement:
        return next(s for s in self.statements if s.id == statement_id)


# Real promise files are a few KB; a larger one is refused before the YAML parser sees it.
MAX_PROMISE_BYTES = 1024**2


def _date_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    """A YAML date that is not in the calendar (2019-02-30) stays text, so that the model's
    check names its field instead of the parser failing on it."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


class _SafeLoader(yaml.SafeLoader):
    pass


# libyaml's parser with the same safe constructor: a promise file parses ten times faster.
class _FastSafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    pass


for _loader in (_SafeLoader, _FastSafeLoader):
    _loader.add_constructor("tag:yaml.org,2002:timestamp", _date_or_text)


def load_promise(path: str | Path) -> Promise:
    """Read and validate a promise file; any problem raises PromiseFileError naming the field."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            raw_bytes = handle.read(MAX_PROMISE_BYTES + 1)
    except FileNotFoundError:
        raise PromiseFileError(message("loftesfil.saknas", path=path)) from None
    except OSError as exc:
        raise PromiseFileError(
            message("loftesfil.kan_inte_lasas", path=path, reason=exc.strerror)
        ) from None
    if len(raw_bytes) > MAX_PROMISE_BYTES:
        raise PromiseFileError(
            message("loftesfil.for_stor", name=path.name, limit_kb=MAX_PROMISE_BYTES // 1024)
        )
    try:
        try:
            data = yaml.load(raw_bytes, Loader=_FastSafeLoader)
        except yaml.YAMLError:  # the pure-Python loader's message quotes the line with the mistake
            data = yaml.load(raw_bytes, Loader=_SafeLoader)
    except yaml.YAMLError as exc:
        raise PromiseFileError(message("loftesfil.inte_yaml", name=path.name, error=exc)) from None
    except (ValueError, TypeError, RecursionError) as exc:  # a value no constructor takes
        raise PromiseFileError(
            message("loftesfil.varde_kan_inte_tolkas", name=path.name, error=exc)
        ) from None
    if not isinstance(data, dict):
        raise PromiseFileError(message("loftesfil.inte_mappning", name=path.name))
    return parse_promise(data, path.name)


def parse_promise(data: dict[str, Any], name: str = "löftesfilen") -> Promise:
    try:
        return Promise.model_validate(data)
    except ValidationError as exc:
        lines = explain(exc)
        raise PromiseFileError(
            message("loftesfil.antal_fel", name=name, count=len(lines)) + "\n" + "\n".join(lines)
        ) from None


def promise_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def bundled_promise_path(name: str = "strangnas-2019.yaml") -> Path:
    """The promise files shipped with the package (the repo's promises/ in a checkout)."""
    repo_copy = Path(__file__).resolve().parents[2] / "promises" / name
    if repo_copy.exists():
        return repo_copy
    return Path(__file__).resolve().parent / "promises" / name
