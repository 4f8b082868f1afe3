"""Promises written inline for the rule under test: the bundled promise with one target changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from lofte_pipeline.promise import Promise, parse_promise


def inline(promise_file: Path, target_id: str, **fields: Any) -> Promise:
    """The bundled promise with one target's fields replaced (None removes a field)."""
    data = yaml.safe_load(promise_file.read_text(encoding="utf-8"))
    target = next(t for t in data["mal"] if t["id"] == target_id)
    for key, value in fields.items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = value
    return parse_promise(data)
