"""Personal data never reaches a published file: identity numbers, phone numbers and e-mail
addresses found in staff text are replaced, and where they were found is reported to staff."""

from __future__ import annotations

import re

import polars as pl

from .values import per_value

REDACTED = "[borttaget]"

# YYYYMMDD-NNNN, YYMMDD-NNNN, with '-', '+' or nothing between; Luhn-checked on the last ten.
_PERSONAL_NUMBER = re.compile(r"(?<![\d-])((?:19|20)?\d{6})\s?([-+]?)\s?(\d{4})(?![\d-])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Swedish numbers: +46 / 0046 / 0, then 7-9 more digits in groups split by spaces or dashes.
_PHONE = re.compile(r"(?<![\w+])(?:\+46|0046|0)[\s-]?\(?0?\)?\d{1,3}(?:[\s-]?\d{2,4}){1,3}(?!\d)")

KIND_NAMES = {"personnummer": "personnummer", "telefon": "telefonnummer", "epost": "e-postadress"}


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(digits):
        value = int(ch) * (2 if i % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _plausible_personal_number(date_part: str, last: str) -> bool:
    ten = date_part[-6:] + last
    month, day = int(ten[2:4]), int(ten[4:6])
    # Day + 60 marks a samordningsnummer.
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91) and luhn_ok(ten)


def redact(text: str) -> tuple[str, list[str]]:
    """The text with personal data replaced, and the kinds that were found."""
    if not text or not any(ch.isdigit() or ch == "@" for ch in text):
        return text, []
    found: list[str] = []

    def personal(match: re.Match[str]) -> str:
        if _plausible_personal_number(match[1], match[3]):
            found.append("personnummer")
            return REDACTED
        return match[0]

    def other(kind: str):
        def replace(match: re.Match[str]) -> str:
            digits = re.sub(r"\D", "", match[0])
            if kind == "telefon" and not 8 <= len(digits) <= 13:
                return match[0]
            found.append(kind)
            return REDACTED

        return replace

    text = _EMAIL.sub(other("epost"), text)
    text = _PERSONAL_NUMBER.sub(personal, text)
    text = _PHONE.sub(other("telefon"), text)
    return text, found


# What any of the patterns needs (an '@' or seven digits): the few values worth a full look.
_MAYBE_PERSONAL = re.compile(r"@|\d(?:[\s+-]?\d){6}")


def redacted(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A column with personal data removed, and per value the kinds found as staff read them
    ('' for none); redact() runs once per distinct candidate."""

    def clean(value: str) -> str:
        cleaned, kinds = redact(value)
        return cleaned + "\0" + ", ".join(sorted({KIND_NAMES[k] for k in kinds}))

    candidates = text.str.contains(_MAYBE_PERSONAL.pattern).fill_null(False)
    found = per_value(text, candidates, clean, pl.String)
    parts = found.str.split_exact("\0", 1).struct.unnest()
    return (
        pl.select(pl.when(candidates).then(parts["field_0"]).otherwise(text)).to_series(),
        parts["field_1"].fill_null(""),
    )
