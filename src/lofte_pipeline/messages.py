"""What the pipeline says to staff: errors, reasons a file or row was rejected, notes beside
quarantined files. One Swedish catalogue, templates/texts/meddelanden.sv.yaml, so the wording is
kept and reviewed in one place, apart from the code.

Kept free of Babel, pandas and Jinja2: `lofte check` and the isolated reader import it.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

CATALOGUE = "meddelanden.sv.yaml"


def templates_dir() -> Path:
    repo_copy = Path(__file__).resolve().parents[2] / "templates"
    return repo_copy if repo_copy.is_dir() else Path(__file__).resolve().parent / "templates"


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = "" if value is None else str(value)
    return flat


@lru_cache(maxsize=1)
def catalogue() -> dict[str, str]:
    with (templates_dir() / "texts" / CATALOGUE).open(encoding="utf-8") as handle:
        return _flatten(yaml.safe_load(handle) or {})


def message(key: str, /, **values: Any) -> str:
    """The catalogue's text for `key` with its {placeholders} filled in."""
    return catalogue()[key].format(**values)


def has_message(key: str) -> bool:
    return key in catalogue()
