"""The PDF laid out in a warm child process: the same bytes, its warnings seen, never lost."""

from __future__ import annotations

import logging

from lofte_pipeline import pdfworker
from lofte_pipeline.messages import templates_dir
from lofte_pipeline.render import render_pdf

HTML = ('<html lang="sv"><head><title>Prov</title><meta name="description" content="Prov">'
        '</head><body><h1>Uppföljning</h1><p>Åtta nya områden för grannsamverkan.</p></body></html>')


def test_the_worker_gives_the_bytes_rendering_here_gives():
    pending = pdfworker.start_pdf(HTML, "Prov", str(templates_dir()), render_pdf)
    assert pending() == render_pdf(HTML, "Prov")


def test_weasyprint_warnings_in_the_child_are_logged_here(caplog):
    caplog.set_level(logging.WARNING, logger="weasyprint")
    html = HTML.replace("<title>", "<style>p { colr: red }</style><title>")
    pdfworker.start_pdf(html, "Prov", str(templates_dir()), render_pdf)()
    assert any("colr" in r.getMessage() and r.name == "weasyprint" for r in caplog.records)


def test_a_worker_that_dies_leaves_the_pdf_to_this_process():
    pdfworker.prepare()
    [worker] = pdfworker._warm
    calls = []

    def render_here(html, title):
        calls.append(title)
        return render_pdf(html, title)

    pending = pdfworker.start_pdf(HTML, "Prov", str(templates_dir()), render_here)
    worker.child.kill()
    assert pending() == render_pdf(HTML, "Prov")
    assert calls == ["Prov"] and worker not in pdfworker._warm


def test_settling_waits_for_a_warm_worker_and_keeps_it():
    pdfworker.start_pdf(HTML, "Prov", str(templates_dir()), render_pdf)()
    [worker] = pdfworker._warm
    pdfworker.settle_warm_workers()  # answered only after the collection that follows a PDF
    assert pdfworker._warm == [worker] and worker.alive()
    assert pdfworker.start_pdf(HTML, "Prov", str(templates_dir()), render_pdf)() == render_pdf(
        HTML, "Prov")


def test_settling_drops_a_worker_that_died():
    pdfworker.prepare()
    [worker] = pdfworker._warm
    worker.child.kill()
    worker.child.wait()
    pdfworker.settle_warm_workers()
    assert worker not in pdfworker._warm
