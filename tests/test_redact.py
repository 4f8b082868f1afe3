"""Personal data is found and removed: identity numbers (Luhn), phone numbers, e-mail."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lofte_pipeline.redact import REDACTED, luhn_ok, redact


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("811218-9876", "personnummer"),  # short form with dash
        ("8112189876", "personnummer"),  # without dash
        ("19811218-9876", "personnummer"),  # with century
        ("198112189876", "personnummer"),
        ("811278-9873", "personnummer"),  # samordningsnummer (day + 60)
        ("070-123 45 67", "telefon"),
        ("0701234567", "telefon"),
        ("+46 70 123 45 67", "telefon"),
        ("08-123 456 78", "telefon"),
        ("anna.svensson@strangnas.se", "epost"),
    ],
)
def test_personal_data_is_removed(text, kind):
    cleaned, found = redact(f"Kontakt: {text}, tack")
    assert cleaned == f"Kontakt: {REDACTED}, tack"
    assert found == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "811218-9875",  # fails the Luhn check
        "2019-03-14",
        "14/3 2019",
        "2019-03-14 18:00",
        "Antal 1234",
        "Läggesta station",
        "Område 12",
        "Hus 4B",
        "",
    ],
)
def test_ordinary_text_is_left_alone(text):
    assert redact(text) == (text, [])


def test_luhn():
    assert luhn_ok("8112189876") and not luhn_ok("8112189875")


# The dashes a personnummer is written with: hyphen-minus, en dash, em dash, minus sign, hyphen,
# non-breaking hyphen, figure dash.
DASHES = ["-", "\u2013", "\u2014", "\u2212", "\u2010", "\u2011", "\u2012"]


@pytest.mark.parametrize("dash", DASHES)
@pytest.mark.parametrize("number", ["19811218{}9876", "811218{}9876", "811218 {} 9876"])
def test_a_personnummer_is_removed_whatever_dash_it_is_written_with(number, dash):
    text = number.format(dash)
    assert redact(f"Anmälan {text} tel") == (f"Anmälan {REDACTED} tel", ["personnummer"])


@pytest.mark.parametrize("dash", DASHES)
def test_a_phone_number_is_removed_whatever_dash_it_is_written_with(dash):
    assert redact(f"tel 070{dash}123 45 67")[0] == f"tel {REDACTED}"


@pytest.mark.parametrize("dash", DASHES[1:])
def test_a_dash_does_not_make_a_date_or_a_range_personal(dash):
    for text in (f"2019{dash}03{dash}14", f"kl 18{dash}20", f"1{dash}3 deltagare"):
        assert redact(text) == (text, [])


def test_dashed_personnummer_are_found_in_a_column_too():
    import polars as pl

    from lofte_pipeline.redact import redacted

    column = pl.Series("Kommentar", [f"Anna 811218{d}9876" for d in DASHES] + ["Hus 4B", None])
    cleaned, kinds = redacted(column)
    assert cleaned.to_list() == [f"Anna {REDACTED}"] * len(DASHES) + ["Hus 4B", None]
    assert kinds.to_list() == ["personnummer"] * len(DASHES) + ["", ""]


def test_a_nul_in_a_cell_does_not_split_it():
    import polars as pl

    from lofte_pipeline.redact import redacted

    cleaned, kinds = redacted(pl.Series("Plats", ["a\0b 811218-9876 c\0d"]))
    assert (cleaned[0], kinds[0]) == (f"a\0b {REDACTED} c\0d", "personnummer")


# --- linear time --------------------------------------------------------------------------------

N = 200_000
PATHOLOGICAL = {
    "word characters ending in '@'": "a" * N + "@",
    "digits ending in '@'": "1" * N + "@",
    "dotted local part ending in '@'": "a." * (N // 2) + "@",
    "'@' then word characters": "@" + "a" * N,
    "'@' then dotted labels": "x@" + "a." * (N // 2),
    "'@' then dashed label": "x@" + "a-" * (N // 2),
    "many '@'": "a@" * (N // 2),
    "many half addresses": "a@b." * (N // 4),
    "digits": "1" * N,
    "digits and dashes": "1-" * (N // 2),
    "digits and en dashes": "8112189876\u2013" * (N // 11),
    "personnummer after personnummer": "811218-9876 " * (N // 12),
    "spaced digits": "0 " * (N // 2),
    "phone prefixes": "+46 " * (N // 4),
    "phone-like groups": "070-12" * (N // 6),
}


@pytest.mark.parametrize("shape", PATHOLOGICAL)
def test_redaction_is_linear_on_pathological_text(shape):
    """A guard against a quadratic blow-up, not a benchmark: 200,000 characters in well under
    the bound (the old e-mail pattern took minutes on such cells)."""
    import time

    import polars as pl

    from lofte_pipeline.redact import redacted

    text = PATHOLOGICAL[shape]
    start = time.process_time()  # this process's CPU time: other processes' load does not count
    redact(text)
    redacted(pl.Series("Kommentar", [text, text + " x"]))
    assert time.process_time() - start < 2.0, shape


# --- the same addresses as the pattern it replaces ---------------------------------------------

OLD_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"


@given(st.text(alphabet="ab1_.+-@ é(),", max_size=40))
@settings(max_examples=500, deadline=None)
def test_email_spans_are_the_matches_of_the_e_mail_pattern(text):
    import re

    from lofte_pipeline.redact import email_spans

    assert email_spans(text) == [m.span() for m in re.finditer(OLD_EMAIL, text)]


@pytest.mark.parametrize(
    "text",
    [
        "a@b.se+x@c.se",
        "x@y@z.se",
        "a@b.c.d@e.f",
        "anna.svensson@strangnas.se, kalle@polisen.se.",
        "@@a@b.se",
        "mejla.@b.se.",
    ],
)
def test_email_spans_on_the_corner_cases(text):
    import re

    from lofte_pipeline.redact import email_spans

    assert email_spans(text) == [m.span() for m in re.finditer(OLD_EMAIL, text)]


def _redact_before(text: str) -> tuple[str, list[str]]:
    """redact() as it was before the patterns were made linear and the dashes added."""
    import re

    from lofte_pipeline.redact import _plausible_personal_number

    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text, []
    found: list[str] = []

    def personal(m):
        if _plausible_personal_number(m[1], m[3]):
            found.append("personnummer")
            return REDACTED
        return m[0]

    def other(kind):
        def replace(m):
            if kind == "telefon" and not 8 <= len(re.sub(r"\D", "", m[0])) <= 13:
                return m[0]
            found.append(kind)
            return REDACTED

        return replace

    text = re.sub(OLD_EMAIL, other("epost"), text)
    text = re.sub(r"(?<![\d-])((?:19|20)?\d{6})\s?([-+]?)\s?(\d{4})(?![\d-])", personal, text)
    phone = r"(?<![\w+])(?:\+46|0046|0)[\s-]?\(?0?\)?\d{1,3}(?:[\s-]?\d{2,4}){1,3}(?!\d)"
    return re.sub(phone, other("telefon"), text), found


PIECES = ["811218-9876", "19811218-9876", "8112189876", "070-123 45 67", "+46 70 123 45 67"]
PIECES += ["0046 8 123 456", "a.b@c.se", "x@y.z", "2019-03-14", "Hus 4B", " ", "-", "+", "@", "."]


@given(st.lists(st.sampled_from(PIECES) | st.text(alphabet="0189 -+@.a(", max_size=6)))
@settings(max_examples=500, deadline=None)
def test_ordinary_text_is_redacted_exactly_as_before(pieces):
    text = "".join(pieces)
    assert redact(text) == _redact_before(text)
