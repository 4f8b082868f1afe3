"""The rows that pass between stages, and their declared schema.

A file's validation is made as polars frames (`CheckedFile`) in the reader child, crosses to the
parent as Arrow IPC, is kept in the parse cache in the same bytes (`encode_outcome`), and becomes
pandas frames (`FileValidation`) with the columns and dtypes below for reconcile and the bundle.
Nothing is unpickled: bytes from the child or the cache folder are checked against the schema.
"""

from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import pandas as pd

# Column -> kind: 'text' (object of str), 'int' (int64), 'count' (Int64, may be missing),
# 'date' (object of datetime.date).
ACCEPTED_SCHEMA = {
    "source": "text",
    "file": "text",
    "sheet": "text",
    "row": "int",
    "date": "date",
    "activity": "text",
    "target": "text",
    "district": "text",
    "place": "text",
    "count": "count",
    "comment": "text",
}
REJECTED_SCHEMA = {
    "source": "text",
    "file": "text",
    "sheet": "text",
    "row": "int",
    "column": "text",
    "value": "text",
    "reason": "text",
}
FINDING_SCHEMA = {"file": "text", "sheet": "text", "row": "int", "column": "text", "kind": "text"}
# The partners' own text per target and tertial, from a workbook's Redovisning sheet (redacted).
NARRATIVE_SCHEMA = {
    "source": "text",
    "file": "text",
    "sheet": "text",
    "row": "int",
    "target": "text",
    "period": "text",
    "text": "text",
    "next_step": "text",
}
ACCEPTED_COLUMNS = list(ACCEPTED_SCHEMA)
_POLARS = {"text": pl.String, "int": pl.Int64, "count": pl.Int64, "date": pl.Date}
# A checked file's parts hold what the file's bytes say, not where the file lies (source and
# name are added by frames()), so one check serves every copy of the same bytes.
SCHEMAS = {
    "accepted": ACCEPTED_SCHEMA,
    "rejected": REJECTED_SCHEMA,
    "findings": FINDING_SCHEMA,
    "narratives": NARRATIVE_SCHEMA,
}
PARTS = {
    part: pl.Schema({c: _POLARS[k] for c, k in schema.items() if c not in ("source", "file")})
    for part, schema in SCHEMAS.items()
}
_LENGTH = struct.Struct("!Q")
MAGIC = b"lofte-outcome-2\n"  # 2: narratives added


def _empty(part: str) -> pl.DataFrame:
    return pl.DataFrame(schema=PARTS[part])


@dataclass
class CheckedFile:
    """A file's validated rows, independent of where the file lies."""

    sheets_read: list[str] = field(default_factory=list)
    sheets_skipped: list[str] = field(default_factory=list)
    accepted: pl.DataFrame = field(default_factory=lambda: _empty("accepted"))
    rejected: pl.DataFrame = field(default_factory=lambda: _empty("rejected"))
    findings: pl.DataFrame = field(default_factory=lambda: _empty("findings"))
    narratives: pl.DataFrame = field(default_factory=lambda: _empty("narratives"))

    def frames(self, source: str, file: str) -> FileValidation:
        """As pandas frames of the declared schema, named by the file's source and path."""
        import pandas as pd

        parts = {}
        for part, schema in SCHEMAS.items():
            rows = getattr(self, part)
            named = {"source": [source] * rows.height, "file": [file] * rows.height}
            parts[part] = pd.DataFrame(
                {
                    c: _series(named[c] if c in named else rows[c], kind)
                    for c, kind in schema.items()
                }
            )
        return FileValidation(
            parts["accepted"],
            parts["rejected"],
            list(self.sheets_read),
            list(self.sheets_skipped),
            parts["findings"],
            parts["narratives"],
        )


Outcome = CheckedFile | str
"""What reading a file gave: its checked rows, or why it cannot be used (staff's Swedish)."""


def encode_outcome(outcome: Outcome) -> bytes:
    """The one form an outcome has outside a process (the reader's pipe, the cache): a JSON
    header, then each part as Arrow IPC."""
    header: dict[str, Any]
    blobs: list[bytes] = []
    if isinstance(outcome, str):
        header = {"unreadable": outcome}
    else:
        for part in PARTS:
            buffer = io.BytesIO()
            getattr(outcome, part).write_ipc(buffer)
            blobs.append(buffer.getvalue())
        header = {
            "sheets_read": outcome.sheets_read,
            "sheets_skipped": outcome.sheets_skipped,
            "sizes": [len(b) for b in blobs],
        }
    text = json.dumps(header, ensure_ascii=False).encode("utf-8")
    return b"".join([MAGIC, _LENGTH.pack(len(text)), text, *blobs])


def decode_outcome(data: bytes) -> Outcome:
    """The outcome, or ValueError when the bytes are not one (foreign, cut short, or from a
    subverted child): nothing in them is used before it is checked against the schema."""
    try:
        if not data.startswith(MAGIC):
            raise ValueError("no header")
        offset = len(MAGIC) + _LENGTH.size
        (size,) = _LENGTH.unpack(data[len(MAGIC) : offset])
        header = json.loads(data[offset : offset + size])
        if isinstance(header.get("unreadable"), str):
            return str(header["unreadable"])
        offset += size
        parts = {}
        for part, length in zip(PARTS, header["sizes"], strict=True):
            frame = pl.read_ipc(io.BytesIO(data[offset : offset + int(length)]))
            if frame.schema != PARTS[part]:
                raise ValueError(f"{part}: not the declared schema")
            parts[part] = frame
            offset += int(length)
        sheets = [header["sheets_read"], header["sheets_skipped"]]
        if offset != len(data) or not all(
            isinstance(s, list) and all(isinstance(n, str) for n in s) for s in sheets
        ):
            raise ValueError("sheet names or trailing bytes")
        return CheckedFile(sheets[0], sheets[1], **parts)
    except (
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        RecursionError,
        struct.error,
        OSError,
        pl.exceptions.PolarsError,
    ) as exc:
        raise ValueError(f"not a file outcome: {exc!r}") from None


def _series(values: pl.Series | list[Any], kind: str) -> pd.Series:
    import pandas as pd

    if isinstance(values, pl.Series):
        values = values.to_list()
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "count":
        return pd.Series(values, dtype="Int64")
    return pd.Series(values, dtype=object)


def empty_frame(schema: dict[str, str]) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({c: _series([], kind) for c, kind in schema.items()})


@dataclass
class FileValidation:
    """One file's rows as frames: accepted, rejected (one line per problem), where personal
    data was found and removed (file, sheet, row, column, kind), and the partners' texts of its
    Redovisning sheet (NARRATIVE_SCHEMA)."""

    accepted: pd.DataFrame
    rejected: pd.DataFrame
    sheets_read: list[str]
    sheets_skipped: list[str]
    findings: pd.DataFrame
    narratives: pd.DataFrame = field(default_factory=lambda: empty_frame(NARRATIVE_SCHEMA))
    indicators: pd.DataFrame = field(default_factory=lambda: empty_frame({}))
    """Outcome indicators' values of a file in the indikatorer/ folder (indicator_values)."""

    @property
    def rows_rejected(self) -> int:
        """Rejected rows (a row with two problems is one row)."""
        return int(self.rejected[["sheet", "row"]].drop_duplicates().shape[0])
