"""The layout of a staff log: its columns and their synonyms, where the header row is, and what
checking a source's rows needs of the promise (`Rules`, plain data that crosses to the reader
child as JSON). A sheet named Redovisning holds the partners' own text per target and tertial,
in columns of its own (NARRATIVE_COLUMNS).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from .ingest import Cell
from .text import fold, fold_compact

if TYPE_CHECKING:
    from .promise import Promise

CANONICAL_COLUMNS = ("Datum", "Aktivitet", "Kommundel", "Plats", "Antal", "Kommentar")
REQUIRED_COLUMNS = ("Datum", "Aktivitet", "Kommundel")
HEADER_SEARCH_ROWS = 10
BASE_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Datum": ("Date", "Dag", "Genomfört", "Datum för aktivitet"),
    "Aktivitet": ("Aktivitetstyp", "Typ", "Insats", "Typ av aktivitet"),
    "Kommundel": ("Område", "Ort", "Kommundel/ort"),
    "Plats": ("Adress", "Lokal", "Plats/adress", "Områdesnamn"),
    "Antal": ("Antal deltagare", "Antal kontrollerade"),
    "Kommentar": ("Anteckning", "Notering", "Beskrivning"),
}
NARRATIVE_SHEET = "Redovisning"
NARRATIVE_COLUMNS = ("Mål", "Tertial", "Text", "Nästa steg")
NARRATIVE_REQUIRED = ("Mål", "Tertial", "Text")
NARRATIVE_SYNONYMS: dict[str, tuple[str, ...]] = {
    "Mål": ("Rubrik", "Mål (rubrik)"),
    "Tertial": ("Period",),
    "Text": ("Redovisning", "Beskrivning", "Vad har gjorts"),
    "Nästa steg": ("Nästa steg framåt", "Fortsättning", "Framåt"),
}
NARRATIVE_HEADERS = {
    fold_compact(name): canonical
    for canonical in NARRATIVE_COLUMNS
    for name in (canonical, *NARRATIVE_SYNONYMS[canonical])
}


def is_narrative_sheet(name: str) -> bool:
    """The Redovisning sheet, however its name is cased or spaced."""
    return fold(name) == fold(NARRATIVE_SHEET)


@dataclass(frozen=True)
class Rules:
    """What validation needs of the promise for one source: plain data, so that it crosses to
    the reader child as JSON."""

    source: str
    year: int
    columns: dict[str, str]  # compact-folded header text -> canonical column
    activities: dict[str, int]  # folded name or synonym -> index in activity_labels
    activity_labels: tuple[str, ...]
    activity_targets: tuple[str, ...]  # the target each activity counts toward
    districts: dict[str, str]  # folded name or synonym -> district
    district_names: tuple[str, ...]
    targets: dict[str, str]  # folded heading or id -> target id (the Redovisning sheet's Mål)
    target_titles: tuple[str, ...]  # the targets' headings, in the promise's order
    start: str = ""  # the promise's first and last day, ISO; rows outside are rejected
    end: str = ""
    periods: tuple[str, ...] = ()  # the tertials it runs over, '2019-T1' …

    def record(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def calendar_year(self) -> bool:
        return self.start == f"{self.year}-01-01" and self.end == f"{self.year}-12-31"

    @property
    def required_columns(self) -> tuple[str, ...]:
        """A promise without districts asks for no Kommundel."""
        if self.district_names:
            return REQUIRED_COLUMNS
        return tuple(c for c in REQUIRED_COLUMNS if c != "Kommundel")

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Rules:
        return cls(
            str(record["source"]),
            int(record["year"]),
            dict(record["columns"]),
            dict(record["activities"]),
            tuple(record["activity_labels"]),
            tuple(record["activity_targets"]),
            dict(record["districts"]),
            tuple(record["district_names"]),
            dict(record["targets"]),
            tuple(record["target_titles"]),
            str(record.get("start", "")),
            str(record.get("end", "")),
            tuple(record.get("periods", ())),
        )


def rules_for(promise: Promise, source: str) -> Rules:
    extra = promise.source(source).column_synonyms
    columns: dict[str, str] = {}
    for canonical in CANONICAL_COLUMNS:
        for name in (canonical, *BASE_COLUMN_SYNONYMS[canonical], *extra.get(canonical, ())):
            columns.setdefault(fold_compact(name), canonical)
    return Rules(
        source=source,
        year=promise.year,
        columns=columns,
        activities={key: i for i, a in enumerate(promise.activities) for key in a.keys},
        activity_labels=tuple(a.label for a in promise.activities),
        activity_targets=tuple(a.target for a in promise.activities),
        districts=dict(promise.district_by_key),
        district_names=tuple(d.name for d in promise.districts),
        targets=target_keys(promise),
        target_titles=tuple(t.title for t in promise.targets),
        start=promise.start.isoformat(),
        end=promise.end.isoformat(),
        periods=tuple(p.id for p in promise.periods),
    )


def target_keys(promise: Promise) -> dict[str, str]:
    """Folded id and heading of every target -> its id: ids first, so an id always names its
    own target."""
    keys = {fold(t.id): t.id for t in promise.targets}
    for target in promise.targets:
        keys.setdefault(fold(target.title), target.id)
    return keys


@dataclass(frozen=True)
class HeaderMatch:
    row_index: int
    columns: dict[str, int]  # canonical name -> column index


def find_header(
    rows: Sequence[Sequence[Cell]],
    columns: dict[str, str],
    required: Sequence[str] = REQUIRED_COLUMNS,
) -> HeaderMatch | None:
    """The first of the top rows that names every required column."""
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        found: dict[str, int] = {}
        for position, cell in enumerate(row):
            canonical = columns.get(fold_compact(cell)) if isinstance(cell, str) else None
            if canonical and canonical not in found:
                found[canonical] = position
        if all(name in found for name in required):
            return HeaderMatch(index, found)
    return None


def missing_header_columns(
    rows: Sequence[Sequence[Cell]],
    columns: dict[str, str],
    required: Sequence[str] = REQUIRED_COLUMNS,
) -> list[str]:
    """Required columns absent from the best candidate header row (for the rejection reason)."""
    best: set[str] = set()
    for row in rows[:HEADER_SEARCH_ROWS]:
        found = {
            columns[k] for k in (fold_compact(c) for c in row if isinstance(c, str)) if k in columns
        }
        if len(found & set(required)) > len(best & set(required)):
            best = found
    return [c for c in required if c not in best]
