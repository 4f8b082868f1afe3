"""A read-only web server for the reports and publications, so the links in the Prefect UI open
in a browser (a `file://` link from the UI's http page opens nowhere).

Each root folder is served under its own prefix (/rapporter/, /publicering/). Only GET and HEAD;
a path is resolved with every link followed and must still lie inside its root: `..`, an
absolute link or a link out of the folder is "not found", while links inside the root work (a
period folder is a link to its hidden version folder beside it). Bound to 127.0.0.1 by default.
"""

from __future__ import annotations

import html
import mimetypes
import os
import posixpath
import stat
import threading
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from .errors import LofteError
from .messages import message

CHUNK = 64 * 1024
TEXT_TYPES = {".md": "text/markdown", ".csv": "text/csv", ".log": "text/plain"}


def resolve(roots: Mapping[str, Path], url_path: str) -> Path | None:
    """The file or folder an URL path names, or None when it names nothing inside a root."""
    parts = unquote(urlsplit(url_path).path, errors="strict").split("/")
    names = [part for part in parts if part]
    if not names or names[0] not in roots:
        return None
    rest = names[1:]
    if any(part in (".", "..") or "\x00" in part or "\\" in part for part in rest):
        return None
    root = Path(roots[names[0]]).resolve()
    try:
        target = root.joinpath(*rest).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    return target if target == root or target.is_relative_to(root) else None


def content_type(path: Path) -> str:
    kind = TEXT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0]
    kind = kind or "application/octet-stream"
    return f"{kind}; charset=utf-8" if kind.startswith("text/") or kind.endswith("json") else kind


def listing(url_path: str, folder: Path) -> bytes:
    """A folder's entries as a small HTML page (hidden version folders left out)."""
    entries = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        name = entry.name + ("/" if entry.is_dir() else "")
        entries.append(f'<li><a href="{quote(name)}">{html.escape(name)}</a></li>')
    title = html.escape(unquote(url_path))
    page = (
        '<!doctype html><html lang="sv"><meta charset="utf-8">'
        f"<title>{title}</title><h1>{title}</h1><ul>{''.join(entries)}</ul></html>"
    )
    return page.encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server_version = "lofte"
    sys_version = ""
    roots: Mapping[str, Path] = {}

    def log_message(self, format: str, *args: object) -> None:  # the terminal stays readable
        pass

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def _refuse(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _refuse  # type: ignore[assignment]

    def _answer(self, body: bool) -> None:
        try:
            target = resolve(self.roots, self.path)
        except UnicodeDecodeError:
            target = None
        if target is None:
            self._status(HTTPStatus.NOT_FOUND, body)
            return
        if target.is_dir():
            path = urlsplit(self.path).path
            if not path.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", path + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            index = target / "index.html"
            if not index.is_file():
                self._send_bytes(listing(path, target), "text/html; charset=utf-8", body)
                return
            target = index
        self._send_file(target, body)

    def _status(self, status: HTTPStatus, body: bool) -> None:
        text = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if body:
            self.wfile.write(text)

    def _headers(self, kind: str, length: int) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _send_bytes(self, data: bytes, kind: str, body: bool) -> None:
        self._headers(kind, len(data))
        if body:
            self.wfile.write(data)

    def _send_file(self, path: Path, body: bool) -> None:
        try:
            descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            self._status(HTTPStatus.NOT_FOUND, body)
            return
        with os.fdopen(descriptor, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                self._status(HTTPStatus.NOT_FOUND, body)
                return
            self._headers(content_type(path), info.st_size)
            if not body:
                return
            while chunk := handle.read(CHUNK):
                self.wfile.write(chunk)


class FileServer:
    """The server in a thread of its own; `url(prefix)` is a root's address, ending in /."""

    def __init__(self, roots: Mapping[str, Path], host: str = "127.0.0.1", port: int = 0) -> None:
        handler = type("Handler", (_Handler,), {"roots": {k: Path(v) for k, v in roots.items()}})
        try:
            self.httpd = ThreadingHTTPServer((host, port), handler)
        except OSError as exc:
            raise LofteError(message("drift.filserver_port", port=port, error=exc)) from None
        self.httpd.daemon_threads = True
        self.host, self.port = host, int(self.httpd.server_address[1])
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, prefix: str) -> str:
        return f"http://{self.host}:{self.port}/{posixpath.join(quote(prefix), '')}"

    def start(self) -> FileServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
