"""Folding names so that the spellings staff use for one place or district match."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lofte_pipeline.text import fold, fold_compact, fold_series


def test_case_diacritics_and_spacing_do_not_matter():
    assert fold("  Åkers   Styckebruk ") == fold("akers styckebruk") == "akers styckebruk"
    assert fold_compact("Åkers Styckebruk") == "akersstyckebruk"
    assert fold(None) == ""


def test_a_column_is_folded_value_by_value_with_missing_values_as_empty():
    values = pd.Series(
        ["Läggesta", " LÄGGESTA ", None, np.nan, "Resecentrum"], index=[5, 6, 7, 8, 9]
    )
    folded = fold_series(values)
    assert folded.tolist() == ["laggesta", "laggesta", "", "", "resecentrum"]
    assert folded.index.tolist() == [5, 6, 7, 8, 9] and folded.dtype == object


def test_values_that_are_one_key_but_not_one_text_are_folded_as_their_own_text():
    # 1 and 1.0 are equal as keys (and True too), but they read "1", "1.0" and "True".
    folded = fold_series(pd.Series([1, 1.0, True, "Ett"], dtype=object))
    assert folded.tolist() == ["1", "1.0", "true", "ett"]


def test_an_empty_column_folds_to_an_empty_column():
    assert fold_series(pd.Series([], dtype=object)).tolist() == []
