"""Personal data is found and removed: identity numbers (Luhn), phone numbers, e-mail."""

import pytest

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
