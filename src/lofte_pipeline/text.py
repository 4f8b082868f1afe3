"""Text folding so that 'Åkers Styckebruk ', 'akers styckebruk' and 'ÅKERS STYCKEBRUK' match."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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


@functools.lru_cache(maxsize=4096)
def closest(word: str, choices: tuple[str, ...]) -> str | None:
    """The closest of the (folded) known names to a folded word: typos repeat, and so does the
    question."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def fold_series(values: pd.Series) -> pd.Series:
    """Vectorised fold over distinct values (logs repeat the same few names thousands of times);
    '' for a missing value. Plain object values: numpy takes them in C, pandas' own string
    dtype (without pyarrow) in a Python loop. pandas is imported here, not with the module:
    the reader child folds names without it."""
    import numpy as np
    import pandas as pd

    codes, uniques = pd.factorize(values.astype(object), sort=False)
    if not all(isinstance(u, str) for u in uniques):  # 1 and 1.0 are one key, but not one text
        codes, uniques = pd.factorize(values.astype("string"), sort=False)
    folded = np.array([fold(u) for u in uniques] + [""], dtype=object)
    return pd.Series(folded[codes], index=values.index, dtype=object)
