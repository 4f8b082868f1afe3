"""The report as documents: the context through the Jinja2 template to HTML, the HTML through
WeasyPrint to a tagged PDF/UA-1 (A4).

What the report says is decided before this (render.py words the figures into the context); this
module only typesets it, so the same context always gives the same HTML and the same PDF bytes.
Jinja2 and WeasyPrint are imported only when a document is made, so `lofte check` stays quick to
start.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

from markupsafe import Markup

from .i18n import templates_dir

PDF_VARIANT = "pdf/ua-1"


def _css_string(value: Any) -> Markup:
    """Text for a CSS string in the inline stylesheet ("…"), where HTML escaping does not apply."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return Markup(text.replace("<", "\\3c "))


@lru_cache(maxsize=1)
def template_environment() -> Any:
    """One Jinja2 environment per process: a worker compiles the template once, and still sees
    an edited template (the loader checks its modification time)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(templates_dir()),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["css"] = _css_string
    return env


def render_html(context: dict[str, Any]) -> str:
    return template_environment().get_template("rapport.html.j2").render(**context)


def render_pdf(html: str, title: str, base_url: str | None = None) -> bytes:
    """Tagged A4 PDF/UA-1.

    Language, subject (<meta name="description">), author and dates come from the HTML, whose
    dates are the period's end, never the clock; the permanent identifier is a hash of the title
    (promise, period, draft or final). So the same report gives the same bytes on every run.
    """
    import weasyprint

    document = weasyprint.HTML(string=html, base_url=base_url or str(templates_dir())).render(
        pdf_variant=PDF_VARIANT
    )
    document.metadata.title = title
    return document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_identifier=hashlib.sha256(title.encode("utf-8")).hexdigest()[:32].encode(),
    )
