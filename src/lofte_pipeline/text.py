"""Text folding so that 'Åkers Styckebruk ', 'akers styckebruk' and 'ÅKERS STYCKEBRUK' match."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

_SPACES = re.compile(r"\s+")


def fold(value: object) -> str:
    """Case-, diacritic- and whitespace-insensitive key for a name ('' for empty/None)."""
    if value is None:
        return ""
    text = str(value)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _SPACES.sub(" ", text).strip().casefold()


def fold_compact(value: object) -> str:
    """Like fold, but with every space removed: used for column headers."""
    return fold(value).replace(" ", "")


def fold_series(values: pd.Series) -> pd.Series:
    """Vectorised fold over unique values (logs repeat the same few names thousands of times)."""
    codes, uniques = pd.factorize(values.astype("string").fillna(""), sort=False)
    folded = [fold(u) for u in uniques]
    if not folded:
        return pd.Series([""] * len(values), index=values.index, dtype="string")
    return pd.Series(pd.array(folded, dtype="string")[codes], index=values.index)
