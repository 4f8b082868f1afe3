"""The read-only file server of `lofte serve`: the report and publication folders under their
prefixes, links inside a root followed (period folders point at hidden version folders), and
nothing outside the roots, whatever the path or link."""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request

import pytest

from lofte_pipeline.fileserver import FileServer, resolve
from lofte_pipeline.links import report_url


@pytest.fixture
def roots(tmp_path):
    out, publish, secret = tmp_path / "rapporter", tmp_path / "publicering", tmp_path / "hemligt"
    version = out / "strangnas-2019" / ".2019-T2.v-abc123"
    (version / "publicera").mkdir(parents=True)
    (version / "publicera" / "rapport.html").write_text("<p>Rapport å ä ö</p>", "utf-8")
    (version / "publicera" / "rapport.pdf").write_bytes(b"%PDF-1.7 test")
    os.symlink(".2019-T2.v-abc123", out / "strangnas-2019" / "2019-T2")
    secret.mkdir()
    (secret / "lösen.txt").write_text("hemlig", "utf-8")
    os.symlink(secret, out / "ut")  # a link out of the root
    os.symlink("../hemligt/lösen.txt", out / "strangnas-2019" / "fusk.txt")
    (publish / "strangnas-2019" / "2019-T2" / "v1").mkdir(parents=True)
    (publish / "strangnas-2019" / "2019-T2" / "v1" / "rapport.pdf").write_bytes(b"%PDF v1")
    os.symlink("v1", publish / "strangnas-2019" / "2019-T2" / "aktuell")
    return {"rapporter": out, "publicering": publish}


@pytest.fixture
def server(roots):
    with FileServer(roots, "127.0.0.1", 0) as running:
        yield running


def get(server: FileServer, path: str, method: str = "GET") -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), body


def test_a_report_through_the_period_link_to_its_hidden_version(server):
    status, headers, body = get(server, "/rapporter/strangnas-2019/2019-T2/publicera/rapport.html")
    assert status == 200 and body.decode("utf-8") == "<p>Rapport å ä ö</p>"
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    status, headers, body = get(server, "/rapporter/strangnas-2019/2019-T2/publicera/rapport.pdf")
    assert (status, headers["Content-Type"], body) == (200, "application/pdf", b"%PDF-1.7 test")
    status, _, _ = get(server, "/rapporter/strangnas-2019/.2019-T2.v-abc123/publicera/rapport.pdf")
    assert status == 200


def test_the_publication_folder_under_its_own_prefix(server):
    status, _, body = get(server, "/publicering/strangnas-2019/2019-T2/aktuell/rapport.pdf")
    assert (status, body) == (200, b"%PDF v1")


def test_the_links_the_flows_make_open(server, roots, monkeypatch):
    monkeypatch.setenv("LOFTE_OUT_URL", server.url("rapporter"))
    pdf = roots["rapporter"] / "strangnas-2019" / "2019-T2" / "publicera" / "rapport.pdf"
    url = report_url(pdf, roots["rapporter"])
    assert url and url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=5) as response:
        assert response.read() == b"%PDF-1.7 test"


@pytest.mark.parametrize(
    "path",
    [
        "/rapporter/../hemligt/l%C3%B6sen.txt",
        "/rapporter/%2e%2e/hemligt/l%C3%B6sen.txt",
        "/rapporter/strangnas-2019/%2E%2E/%2E%2E/hemligt/l%C3%B6sen.txt",
        "/rapporter/ut/l%C3%B6sen.txt",
        "/rapporter/ut/",
        "/rapporter/strangnas-2019/fusk.txt",
        "/rapporter/..%2fhemligt%2fl%C3%B6sen.txt",
        "/rapporter/%2Ftmp",
        "/rapporter/x%00y",
        "/rapporter/%ff",
        "/hemligt/l%C3%B6sen.txt",
        "/",
        "/etc/passwd",
        "//etc/passwd",
        "/rapporter/..\\hemligt",
    ],
)
def test_nothing_outside_the_roots(server, path):
    status, _, body = get(server, path)
    assert status == 404, path
    assert b"hemlig" not in body


def test_resolve_refuses_what_leaves_a_root(roots):
    assert resolve(roots, "/rapporter/ut/lösen.txt") is None
    assert (
        resolve(roots, "/rapporter/strangnas-2019/2019-T2")
        == (roots["rapporter"] / "strangnas-2019" / ".2019-T2.v-abc123").resolve()
    )


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head(server, method):
    status, headers, _ = get(
        server, "/rapporter/strangnas-2019/2019-T2/publicera/rapport.pdf", method
    )
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_head_sends_no_body(server):
    status, headers, body = get(
        server, "/publicering/strangnas-2019/2019-T2/aktuell/rapport.pdf", "HEAD"
    )
    assert (status, headers["Content-Length"], body) == (200, "7", b"")


def test_a_folder_is_listed_without_hidden_versions(server):
    status, _, _ = get(server, "/rapporter/strangnas-2019")
    assert status == 301
    status, headers, body = get(server, "/rapporter/strangnas-2019/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode("utf-8")
    assert 'href="2019-T2/"' in page and ".2019-T2.v-abc123" not in page


def test_a_busy_port_is_one_swedish_line(roots):
    from lofte_pipeline.errors import LofteError

    with (
        FileServer(roots, "127.0.0.1", 0) as first,
        pytest.raises(LofteError, match="--files-port"),
    ):
        FileServer(roots, "127.0.0.1", first.port)


def test_urls_end_in_a_slash(roots):
    files = FileServer(roots, "127.0.0.1", 0)
    try:
        assert files.url("rapporter") == f"http://127.0.0.1:{files.port}/rapporter/"
    finally:
        files.httpd.server_close()


def test_missing_file_is_not_found(server):
    with pytest.raises(urllib.error.HTTPError) as error:
        urllib.request.urlopen(server.url("rapporter") + "finns-inte.pdf", timeout=5)
    assert error.value.code == 404
