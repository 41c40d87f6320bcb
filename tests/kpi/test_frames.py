"""kpi.frames.positions finds each value's place among distinct keys, as Index.get_indexer
would, for pandas' Arrow strings and plain objects alike (property test)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from kpi.frames import positions

CODES = st.text(alphabet="AB01", min_size=0, max_size=3)


@given(keys=st.lists(CODES, unique=True), values=st.lists(CODES), arrow=st.booleans())
def test_positions_are_get_indexers(keys: list[str], values: list[str], arrow: bool) -> None:
    dtype = "str" if arrow else object
    found = positions(pd.Series(keys, dtype=dtype), pd.Series(values, dtype=dtype))
    expected = pd.Index(keys, dtype=object).get_indexer(pd.Index(values, dtype=object))
    np.testing.assert_array_equal(found, expected)


def test_a_missing_value_is_found_nowhere() -> None:
    found = positions(pd.Series(["a", "b"], dtype="str"), pd.Series(["b", None, "c"], dtype="str"))
    np.testing.assert_array_equal(found, [1, -1, -1])
