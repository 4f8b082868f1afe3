"""Small records passed between stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd


@dataclass(frozen=True)
class Correction:
    """A correction of an already published report, shown in the report itself."""

    day: date
    note: str

    def record(self) -> dict[str, str]:
        """As figures.json carries it."""
        return {"date": self.day.isoformat(), "note": self.note}

    @classmethod
    def from_record(cls, record: dict[str, str]) -> Correction:
        return cls(date.fromisoformat(record["date"]), record["note"])


@dataclass
class FileOutcome:
    """What became of one dropped file."""

    source: str  # source id, or the folder name when it is not a source
    path: str  # relative to the inbox, '/'-separated
    sha256: str
    rows_accepted: int = 0
    rows_rejected: int = 0
    sheets_read: list[str] = field(default_factory=list)
    reason: str | None = None  # set when the whole file was rejected
    retry: bool = False
    """The reason is about this run, not the file's content (still being written, gone, the
    reader failed): not cached, quarantined or noted; read again next run."""

    @property
    def accepted(self) -> bool:
        return self.reason is None


@dataclass
class SourceSummary:
    id: str
    name: str
    files: int = 0
    files_rejected: int = 0
    rows_accepted: int = 0
    rows_rejected: int = 0


def no_narratives() -> pd.DataFrame:
    """An empty frame of the Redovisning texts' columns (rows.NARRATIVE_SCHEMA)."""
    from .rows import NARRATIVE_SCHEMA, empty_frame

    return empty_frame(NARRATIVE_SCHEMA)


@dataclass
class Intake:
    """Everything read from an inbox: accepted rows, row rejections, and the fate of every file."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    files: list[FileOutcome]
    sources: dict[str, SourceSummary]
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Where personal data was found and removed: file, sheet, row, column, kind."""
    narratives: pd.DataFrame = field(default_factory=no_narratives)
    """The partners' own texts from Redovisning sheets, redacted: source, file, sheet, row,
    target, period ('2019-T2'), text, next_step ('' when none); sorted by target, period,
    source, file, sheet, row."""
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Outcome indicators' values from the inbox's indikatorer/ folder (indicator_values)."""

    @property
    def rejected_files(self) -> list[FileOutcome]:
        return [f for f in self.files if not f.accepted]
