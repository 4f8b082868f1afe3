"""Why a promise file is not valid, in the words of the staff catalogue: pydantic's errors
explained field by field (its own are English), and ids or names given twice.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .messages import has_message, message


def unique(field: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise ValueError(message("loftesfil.dubblett_id", field=field, index=i, value=value))
        seen.add(value)


def unique_names(field: str, keysets: list[set[str]], names: list[str]) -> None:
    owner: dict[str, str] = {}
    for i, keys in enumerate(keysets):
        for key in keys:
            if key in owner and owner[key] != names[i]:
                raise ValueError(
                    message(
                        "loftesfil.dubblett_namn", field=field, index=i, key=key, owner=owner[key]
                    )
                )
            owner[key] = names[i]


def explain(exc: ValidationError) -> list[str]:
    """One line per mistake; the file-wide checks name their own place, one mistake a line."""
    lines = []
    for error in exc.errors():
        location = ""
        for part in error["loc"]:
            location += (
                f"[{part}]" if isinstance(part, int) else (f".{part}" if location else str(part))
            )
        for problem in field_problem(error).splitlines():
            line = message(
                "loftesfil.fel_rad",
                location=location or message("loftesfil.hela_filen"),
                message=problem,
            )
            if line not in lines:
                lines.append(line)
    return lines


def field_problem(error: Any) -> str:
    """A pydantic error in the words of the catalogue (pydantic's own are English)."""
    if error["type"] == "value_error":  # ours, already in Swedish
        return str(error["msg"]).removeprefix("Value error, ")
    key = f"loftesfil.falt.{error['type']}"
    if has_message(key):
        return message(key, **{"input": _shown(error.get("input")), **(error.get("ctx") or {})})
    return message("loftesfil.falt.annat", detail=error["msg"])


def _shown(value: object, limit: int = 40) -> str:
    """A value from the file as the message quotes it: on one line and short."""
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
