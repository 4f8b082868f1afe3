"""What the public package may say about the inbox: a file by its source and number, why a file
was rejected without any name staff gave, every free text with personal data removed.

File, folder and sheet names are staff's own and may carry a person's name, a personnummer or a
phone number, so publicera/ (figures.json, rapport.html, rapport.pdf) never shows one. A file is
named there by its source and its place among that source's files in the intake's order, counted
from 1 ("polisen, fil 2"); a file outside every source folder of the promise by its place among
those ("inkorgen, fil 1"). Its reason is the catalogue's sentence (meddelanden.sv.yaml) with every
value that is not the program's own left out: a name, a reader's or the system's message. The
real names and reasons stay in intern/ (avvisat.csv, manifest.json, korning.log).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from .ingest import SUPPORTED_SUFFIXES
from .messages import catalogue, has_message, message
from .models import Intake
from .redact import redact

OUTSIDE_SOURCES = "inkorgen"
PUBLIC_NAME = "{source}, fil {number}"

# Placeholders of the catalogue whose values are the program's own words in a rejection reason:
# the promise's sources, the columns, a reason within the reason. Any other value is left out.
_WORDS = frozenset({"sources", "required", "missing", "where", "cause"})
# ... and figures: sizes, limits, counts.
_FIGURES = frozenset(
    {"size_mb", "limit_mb", "unpacked_mb", "packed_mb", "rows", "limit", "seconds", "count"}
)
_FIGURE = re.compile(r"[\d\s.,]+")
# A file type said in public when it is a common one, never a piece of a name ('.Anna').
_COMMON_SUFFIXES = SUPPORTED_SUFFIXES | {
    *(".doc", ".docx", ".pdf", ".txt", ".rtf", ".odt", ".numbers", ".pages", ".json", ".xml"),
    *(".html", ".htm", ".zip", ".7z", ".rar", ".png", ".jpg", ".jpeg", ".msg", ".eml", ".tsv"),
}
_LONGEST_REASON = 2000  # longer than any reason the catalogue gives: not matched, but cleaned


@dataclass(frozen=True)
class PublicFile:
    """One file of the intake as the public package shows it."""

    name: str
    accepted: bool
    rows_accepted: int
    rows_rejected: int
    reason: str


def public_files(intake: Intake) -> list[PublicFile]:
    """Every file of the intake, in its order, with its public name and reason."""
    counts: Counter[str] = Counter()
    numbers: dict[str, str] = {}  # a name with two outcomes (one still being written) is one file
    shown = []
    for f in intake.files:
        group = f.source if "/" in f.path and f.source in intake.sources else OUTSIDE_SOURCES
        if f.path not in numbers:
            counts[group] += 1
            numbers[f.path] = PUBLIC_NAME.format(source=group, number=counts[group])
        name = numbers[f.path]
        hidden = _names_in(f.path, intake)
        reason = public_reason(f.reason, hidden, set(intake.sources)) if f.reason else ""
        shown.append(PublicFile(name, f.accepted, f.rows_accepted, f.rows_rejected, reason))
    return shown


def public_text(text: str) -> str:
    """A free text of the public package (a correction note, a reason) without personal data,
    and writable as UTF-8 (a name that was not, from an old share, is never kept whole)."""
    return redact(text.encode("utf-8", "replace").decode("utf-8"))[0]


def _names_in(path: str, intake: Intake) -> list[str]:
    """The names staff gave that a reason may repeat: the path, its folders, the file and its
    stem; not a source id (that is public) nor a fragment too short to look for."""
    parts = path.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    names = {path, stem, *parts} - set(intake.sources)
    return sorted((n for n in names if len(n.strip()) >= 3), key=len, reverse=True)


def public_reason(reason: str, hidden: list[str], sources: set[str]) -> str:
    """The reason with every name left out (in the catalogue's words when it is one of its
    sentences), then redacted; `hidden` are the file's own names, `sources` the promise's ids."""
    text = None
    if len(reason) <= _LONGEST_REASON:
        text = _in_catalogue_words(reason, _Known(frozenset(sources), tuple(hidden)))
    return public_text(_cleaned(reason[:_LONGEST_REASON], hidden) if text is None else text)


@dataclass(frozen=True)
class _Known:
    sources: frozenset[str]  # the promise's source ids: public
    hidden: tuple[str, ...]  # the file's own names: never public


@lru_cache(maxsize=1)
def _sentences() -> list[tuple[re.Pattern[str], list[tuple[str, str | None]]]]:
    """Every catalogue text with placeholders as a pattern (a value left out may be long, so it
    is matched greedily; the program's own as short as it can be), most literal text first."""
    forms = []
    for template in catalogue().values():
        try:
            pieces = [(lit, name) for lit, name, _, _ in string.Formatter().parse(template)]
        except ValueError:
            continue
        names = [name for _, name in pieces if name]
        literal = "".join(lit for lit, _ in pieces)
        if len(literal) < 8 or not all(n.isidentifier() for n in names):
            continue
        pattern = "".join(
            re.escape(lit) + ("" if not name else "(.*?)" if _kept_name(name) else "(.*)")
            for lit, name in pieces
        )
        forms.append((len(literal), re.compile(pattern, re.DOTALL), pieces))
    forms.sort(key=lambda form: -form[0])
    return [(pattern, pieces) for _, pattern, pieces in forms]


def _kept_name(name: str) -> bool:
    return name in _WORDS or name in _FIGURES or name == "suffix"


def _in_catalogue_words(reason: str, known: _Known, depth: int = 0) -> str | None:
    """The reason rebuilt from the catalogue sentence it is, with only the program's own values;
    None when it is none of them."""
    for pattern, pieces in _sentences():
        match = pattern.fullmatch(reason)
        if match is None:
            continue
        values = iter(match.groups())
        segments: list[str | None] = []  # literal, value, literal, ... literal; None: left out
        for literal, name in pieces:
            segments.append(literal)
            if name:
                segments.append(_kept_value(name, next(values), known, depth))
        if len(segments) % 2 == 0:
            segments.append("")
        text = "".join(_framed(segments))
        return text if reason[:1].islower() else text[:1].upper() + text[1:]
    return None


_FRAMES = (("'", "'"), ('"', '"'), ("(", ")"), ("”", "”"))


def _framed(segments: list[str | None]) -> list[str]:
    """The segments with each value left out dropped with what only frames it (its quotes or
    brackets and the space before them, or the colon that introduces it), else shown as '…'."""
    for i in range(1, len(segments), 2):
        if segments[i] is not None:
            continue
        before, after = segments[i - 1] or "", segments[i + 1] or ""
        segments[i] = ""
        framed = [(o, c) for o, c in _FRAMES if before.endswith(o) and after.startswith(c)]
        if framed:
            opening, closing = framed[0]
            before, after = before[: -len(opening)], after[len(closing) :]
            before = before[:-1] if before.endswith(" ") else before
            after = after.lstrip() if i == 1 and not before else after
        elif before.endswith(": ") and after[:1] in ("", ".", ";", ","):
            before = before[:-2]
        else:
            segments[i] = "…"
        segments[i - 1], segments[i + 1] = before, after
    return [s or "" for s in segments]


def _kept_value(name: str, value: str, known: _Known, depth: int) -> str | None:
    """The value as it may be shown, or None when it is left out. Only a value can hold a name
    (the rest is the catalogue's), so only values are checked for the file's own names."""
    if any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", value) for n in known.hidden):
        return None
    if name in _FIGURES:
        return value if _FIGURE.fullmatch(value) else None
    if name == "suffix":
        plain = value.lower() in _COMMON_SUFFIXES
        return value if plain or value == _no_suffix() else None
    if name == "sources":
        return value if set(value.split(", ")) <= known.sources else None
    if name == "cause" and depth < 2:
        return _in_catalogue_words(value, known, depth + 1)
    if name in _WORDS and "'" not in value and "\n" not in value:
        return value
    return None


def _no_suffix() -> str:
    return message("inlasning.ingen_filtyp") if has_message("inlasning.ingen_filtyp") else ""


def _cleaned(reason: str, hidden: list[str]) -> str:
    """A reason that is no catalogue sentence: quoted and bracketed parts and the file's own
    names left out."""
    for name in hidden:
        reason = reason.replace(name, "…")
    text = re.sub(r"\s?'[^'\n]{0,300}'(?=[\s.,;:!?)]|$)", "", reason)
    return re.sub(r"\s?\([^()\n]{0,300}\)", "", text)
