"""Links in the Prefect UI that open: http addresses of files under the report and publication
folders, where a web server (`lofte serve`'s file server, or the operator's) shows them.

A `file://` link from an http page opens nowhere, and a remote reader has no such path, so a
file gets a link only when its folder's address is known: LOFTE_OUT_URL for the report folder,
LOFTE_PUBLISH_URL for the publication folder (each ending in /). Otherwise None: the caller then
shows the path as text.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

OUT_URL = "LOFTE_OUT_URL"
PUBLISH_URL = "LOFTE_PUBLISH_URL"


def url_for(path: Path, root: Path, variable: str) -> str | None:
    """The address of `path` (inside `root`) when `variable` gives root's address."""
    base = os.environ.get(variable, "").strip()
    if not base:
        return None
    try:
        relative = Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return None
    return base.rstrip("/") + "/" + quote(relative.as_posix())


def report_url(path: Path, out: Path) -> str | None:
    return url_for(path, out, OUT_URL)


def publication_url(path: Path, publish_dir: Path) -> str | None:
    return url_for(path, publish_dir, PUBLISH_URL)
