"""The promise file: one YAML file per municipality and year, loaded into validated models.

Keys in the file are Swedish (the people who edit it are); attributes in code are English.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import PromiseFileError
from .layout import CANONICAL_COLUMNS
from .messages import message
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

    @property
    def keys(self) -> set[str]:
        return {fold(self.label), *(fold(s) for s in self.synonyms)}


Kind = Literal["commitment", "aim", "ongoing"]
Measure = Literal["occasions", "areas", "amount"]
KINDS: dict[str, Kind] = {"atagande": "commitment", "malsattning": "aim", "lopande": "ongoing"}
MEASURES: dict[str, Measure] = {"tillfallen": "occasions", "omraden": "areas", "antal": "amount"}


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


class FollowUp(_Model):
    """How the partners agree to judge a target: the follow-up's rule, not the promise's words
    (a "kontinuerligt" read as once a tertial, a commitment without a number read as at least
    once). Reported apart from what was promised."""

    minimum: int | None = Field(None, alias="minst", ge=1)
    per_tertial_minimum: int | None = Field(None, alias="minst_per_tertial", ge=1)
    per_month_minimum: int | None = Field(None, alias="minst_per_manad", ge=1)
    every_district: bool = Field(False, alias="alla_kommundelar")
    places: tuple[NamedPlace, ...] = Field((), alias="platser")
    whole_year: bool = Field(False, alias="hela_aret")
    """The work runs all year: it is not achieved before the year's final report."""

    @property
    def empty(self) -> bool:
        return self == FollowUp.model_validate({})


class Target(_Model):
    """One thing the promise says will be done: its words, their kind, and how it is judged.

    `goal`, `every_district` and `places` are what the promise itself names; `follow_up` is the
    partners' own rule. With neither it is reported only (status 'reported')."""

    id: Slug
    promise_statement: Slug = Field(alias="lofte")
    title: Text = Field(alias="rubrik")
    quote: Text = Field(alias="citat")
    kind: Kind = Field("commitment", alias="slag")
    goal: int | None = Field(None, alias="minst", ge=1)
    every_district: bool = Field(False, alias="alla_kommundelar")
    places: tuple[NamedPlace, ...] = Field((), alias="platser")
    per_tertial_minimum: int | None = Field(None, alias="minst_per_tertial", ge=1)
    per_month_minimum: int | None = Field(None, alias="minst_per_manad", ge=1)
    follow_up: FollowUp = Field(
        default_factory=lambda: FollowUp.model_validate({}), alias="uppfoljning"
    )
    measure_word: Measure | None = Field(None, alias="matt")
    amount_unit: str | None = Field(None, alias="enhet", min_length=1)

    _kind = field_validator("kind", mode="before")(
        _word(KINDS, "slag", "åtagande, målsättning, löpande")
    )
    _measure = field_validator("measure_word", mode="before")(
        _word(MEASURES, "matt", "tillfällen, områden, antal")
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
    def tertial_minimum(self) -> int | None:
        return self.per_tertial_minimum or self.follow_up.per_tertial_minimum

    @property
    def month_minimum(self) -> int | None:
        return self.per_month_minimum or self.follow_up.per_month_minimum

    @property
    def in_every_district(self) -> bool:
        return self.every_district or self.follow_up.every_district

    @property
    def judged_places(self) -> tuple[NamedPlace, ...]:
        named = {p.name for p in self.places}
        return self.places + tuple(p for p in self.follow_up.places if p.name not in named)

    @property
    def recurring(self) -> bool:
        return self.tertial_minimum is not None or self.month_minimum is not None

    @property
    def whole_year(self) -> bool:
        """Not achieved before the final report: ongoing work, or a rule for the whole year."""
        return self.kind == "ongoing" or self.follow_up.whole_year

    @property
    def reported_only(self) -> bool:
        return (
            self.minimum is None
            and not self.in_every_district
            and not self.judged_places
            and not self.recurring
        )


class Promise(_Model):
    id: Slug
    title: Text = Field(alias="titel")
    municipality: Text = Field(alias="kommun")
    police_area: Text = Field(alias="polisomrade")
    year: int = Field(alias="ar", ge=2000, le=2100)
    signed: date | None = Field(None, alias="undertecknat")
    signatories: tuple[Signatory, ...] = Field((), alias="undertecknare")
    purpose: str = Field("", alias="syfte")
    follow_up: str = Field("", alias="uppfoljning")
    publish_comments: bool = Field(False, alias="publicera_kommentarer")
    contact: Contact | None = Field(None, alias="kontakt")
    """Free-text comments are published in aktiviteter.csv only when the promise says so."""
    statements: tuple[PromiseStatement, ...] = Field(alias="loften", min_length=1)
    districts: tuple[NamedPlace, ...] = Field(alias="kommundelar", min_length=1)
    sources: tuple[Source, ...] = Field(alias="kallor", min_length=1)
    activities: tuple[Activity, ...] = Field(alias="aktiviteter", min_length=1)
    targets: tuple[Target, ...] = Field(alias="mal", min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Promise:
        unique("loften", [s.id for s in self.statements])
        unique("kallor", [s.id for s in self.sources])
        unique("mal", [t.id for t in self.targets])
        unique_names(
            "kommundelar", [d.keys for d in self.districts], [d.name for d in self.districts]
        )
        unique_names(
            "aktiviteter", [a.keys for a in self.activities], [a.label for a in self.activities]
        )
        target_ids = {t.id for t in self.targets}
        for i, activity in enumerate(self.activities):
            if activity.target not in target_ids:
                raise ValueError(
                    message(
                        "loftesfil.okant_mal",
                        index=i,
                        target=activity.target,
                        targets=", ".join(sorted(target_ids)),
                    )
                )
        statement_ids = {s.id for s in self.statements}
        counted = {a.target for a in self.activities}
        for i, target in enumerate(self.targets):
            if target.promise_statement not in statement_ids:
                raise ValueError(
                    message(
                        "loftesfil.okant_lofte",
                        index=i,
                        statement=target.promise_statement,
                        statements=", ".join(sorted(statement_ids)),
                    )
                )
            if target.id not in counted:
                raise ValueError(message("loftesfil.mal_utan_aktivitet", index=i, target=target.id))
        return self

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
        raise PromiseFileError(
            message("loftesfil.antal_fel", name=name, count=len(exc.errors())) + "\n" + explain(exc)
        ) from None


def promise_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def bundled_promise_path(name: str = "strangnas-2019.yaml") -> Path:
    """The promise files shipped with the package (the repo's promises/ in a checkout)."""
    repo_copy = Path(__file__).resolve().parents[2] / "promises" / name
    if repo_copy.exists():
        return repo_copy
    return Path(__file__).resolve().parent / "promises" / name
