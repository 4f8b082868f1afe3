"""Personal data never reaches a published file: identity numbers, phone numbers and e-mail
addresses found in staff text are replaced, and where they were found is reported to staff.

Every step is linear in the length of the text, whatever the text: each pattern below matches a
bounded number of characters from any start, and e-mail addresses are found from their '@' with
one anchored match on each side of it, so a long run of word characters is looked at a bounded
number of times instead of once from every start.
"""

from __future__ import annotations

import re

import polars as pl

from .values import per_value

REDACTED = "[borttaget]"

# The dashes staff (and their word processors) put between date and number, as a character
# class's contents: hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em dash,
# minus sign.
_DASH = "\\-\u2010\u2011\u2012\u2013\u2014\u2212"

# YYYYMMDD-NNNN, YYMMDD-NNNN, with a dash, '+' or nothing between; Luhn-checked on the last ten.
_PERSONAL_NUMBER = re.compile(
    rf"(?<![\d{_DASH}])((?:19|20)?\d{{6}})\s?([+{_DASH}]?)\s?(\d{{4}})(?![\d{_DASH}])"
)
# Swedish numbers: +46 / 0046 / 0, then 7-9 more digits in groups split by spaces or dashes.
_PHONE = re.compile(
    rf"(?<![\w+])(?:\+46|0046|0)[\s{_DASH}]?\(?0?\)?\d{{1,3}}"
    rf"(?:[\s{_DASH}]?\d{{2,4}}){{1,3}}(?!\d)"
)
# An e-mail address is [\w.+-]+ @ [\w-]+(?:\.[\w-]+)+: the part before the '@' is matched on the
# reversed text before it, the domain after it; possessive, so a failure gives nothing back.
_LOCAL_PART = re.compile(r"[\w.+-]++")
_DOMAIN = re.compile(r"[\w-]++(?:\.[\w-]++)++")

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


def email_spans(text: str) -> list[tuple[int, int]]:
    """Where e-mail addresses are, leftmost first and never overlapping: exactly the matches of
    [\\w.+-]+@[\\w-]+(?:\\.[\\w-]+)+ scanning left to right, found in linear time.

    The part before an '@' cannot hold an '@', so it lies between the previous '@' (or the end
    of the previous address) and this one: each character is looked at for one '@' only.
    """
    spans: list[tuple[int, int]] = []
    start = 0  # no address may begin before this: after the previous '@' and address
    at = text.find("@")
    while at != -1:
        local = _LOCAL_PART.match(text[start:at][::-1])
        domain = _DOMAIN.match(text, at + 1)
        if local and domain:
            spans.append((at - local.end(), domain.end()))
            start = domain.end()
        else:
            start = at + 1
        at = text.find("@", start)
    return spans


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

    def phone(match: re.Match[str]) -> str:
        if not 8 <= len(re.sub(r"\D", "", match[0])) <= 13:
            return match[0]
        found.append("telefon")
        return REDACTED

    spans = email_spans(text) if "@" in text else []
    if spans:
        found += ["epost"] * len(spans)
        text = _replaced(text, spans)
    text = _PERSONAL_NUMBER.sub(personal, text)
    text = _PHONE.sub(phone, text)
    return text, found


def _replaced(text: str, spans: list[tuple[int, int]]) -> str:
    parts, last = [], 0
    for begin, end in spans:
        parts += [text[last:begin], REDACTED]
        last = end
    return "".join([*parts, text[last:]])


# What any of the patterns needs (an '@' or seven digits with a few separators between them):
# the few values worth a full look. Run by polars, whose regex engine is linear.
_MAYBE_PERSONAL = re.compile(rf"@|\d(?:[\s+(){_DASH}]{{0,3}}\d){{6}}")


def redacted(text: pl.Series) -> tuple[pl.Series, pl.Series]:
    """A column with personal data removed, and per value the kinds found as staff read them
    ('' for none); redact() runs once per distinct candidate."""

    def clean(value: str) -> str:
        cleaned, kinds = redact(value)
        return ", ".join(sorted({KIND_NAMES[k] for k in kinds})) + "\0" + cleaned

    candidates = text.str.contains(_MAYBE_PERSONAL.pattern).fill_null(False)
    found = per_value(text, candidates, clean, pl.String)
    parts = found.str.splitn("\0", 2).struct.unnest()
    return (
        pl.select(pl.when(candidates).then(parts["field_1"]).otherwise(text)).to_series(),
        parts["field_0"].fill_null(""),
    )
