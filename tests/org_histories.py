"""Random org histories for the chain tests (kpi.rollup.unit_chains, etl.rollups.ChainCache):
HO, then provinces, branches and outlets, each moved, closed or opened late."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from hypothesis import strategies as st

START = date(2026, 1, 1)
LEVELS = ["province", "branch", "outlet"]


@st.composite
def org_histories(draw: st.DrawFn) -> pd.DataFrame:
    """HO, then provinces, branches and outlets, each with up to three versions: moved under
    another parent of the level above on some day, perhaps closed on a later one, or opened
    late."""
    rows = [("HO", "head_office", None, START, None)]
    above = ["HO"]
    for depth, level in enumerate(LEVELS):
        codes = [f"{level[0].upper()}{depth}{n}" for n in range(draw(st.integers(1, 4)))]
        for code in codes:
            opens = draw(st.sampled_from([0, 0, 1, 8, 15]))  # most open with the org, some later
            cuts = sorted(draw(st.sets(st.integers(opens + 1, 40), max_size=3)))  # (code, valid_from) unique, as stored
            bounds = [START + timedelta(days=c) for c in [opens, *cuts]]
            closed = draw(st.booleans())
            for n, begin in enumerate(bounds):
                end = bounds[n + 1] if n + 1 < len(bounds) else (begin + timedelta(days=5) if closed else None)
                parent = draw(st.sampled_from([*above, "GONE"]))  # "GONE": a parent not in the org
                rows.append((code, level, parent, begin, end))
        above = codes
    return pd.DataFrame(rows, columns=["code", "level", "parent_code", "valid_from", "valid_to"]).astype(
        {"code": "str", "level": "str", "parent_code": "str"})
