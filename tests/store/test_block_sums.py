"""Whatever days a month holds and whichever of them are rebuilt, one after another, rollup_month
summed through its blocks equals the sums of its days in rollup_day (property test, both
backends): blocks kept, blocks re-summed, a month falling back to one block and growing again."""

from __future__ import annotations

import random
from datetime import date

import pandas as pd
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store.month_rollups import NO_PARENT, rebuild_month_rollups
from store.read import frame
from store.schema import (BEHAVIOUR_COMPONENTS, COMPONENTS, CONVERSION_COMPONENTS, CUSTOMER_COMPONENTS,
                          FLOW_COMPONENTS, rollup_block, rollup_day, rollup_month, rollup_month_unit, rollup_month_wide)

OCTOBER = date(2026, 10, 1)
FLOATS = {"reply_percentage_num", "avg_reply_time_num", "deposit_amount", "wealth_amount"}
KEYS = ["unit_code", "level", "parent_code", "department", "kind", "segment"]
DIMENSIONS = [("all", "all", "all"), ("all", "stock", "wealth"), ("online", "incremental", "long_tail")]
OWN = {"behaviour": BEHAVIOUR_COMPONENTS, "customer": CUSTOMER_COMPONENTS, "conversion": CONVERSION_COMPONENTS}


def day_rows(day: date, rng: random.Random) -> list[dict]:
    """Some units' rows of one day (maybe none): O2 moves from B1 to B2 on the 16th; values are
    whole numbers, floats whole cents, as the sources deliver them, and each row carries its
    grain's components only (the others 0, as the ETL writes them: docs/rollup.md)."""
    rows = []
    for code in ("O1", "O2"):
        parent = "B2" if code == "O2" and day.day >= 16 else "B1"
        for department, kind, segment in DIMENSIONS:
            if rng.random() < 0.3:
                continue
            own = OWN[department != "all" and "conversion" or kind != "all" and "customer" or "behaviour"]
            values = {c: (rng.randint(0, 10**6) / 100 if c in FLOATS else rng.randint(0, 50)) if c in own else 0
                      for c in COMPONENTS}
            rows.append(values | {"day": day, "unit_code": code, "level": "outlet", "parent_code": parent,
                                  "department": department, "kind": kind, "segment": segment})
    return rows


def replace_days(connection: sa.Connection, days: set[date], rng: random.Random) -> None:
    connection.execute(sa.delete(rollup_day).where(rollup_day.c.day.in_(days)))
    rows = [row for day in sorted(days) for row in day_rows(day, rng)]
    if rows:
        connection.execute(sa.insert(rollup_day), rows)


def expected_months(connection: sa.Connection) -> pd.DataFrame:
    days = frame(connection, sa.select(rollup_day))
    if days.empty:
        return pd.DataFrame(columns=[*KEYS, "last_day", *FLOW_COMPONENTS])
    days["parent_code"] = days["parent_code"].fillna(NO_PARENT)
    sums = days.groupby(KEYS, as_index=False).agg({"day": "max", **{c: "sum" for c in FLOW_COMPONENTS}})
    return _comparable(sums.rename(columns={"day": "last_day"}))


def _comparable(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[[*KEYS, "last_day", *FLOW_COMPONENTS]].copy()
    for name in FLOW_COMPONENTS:
        out[name] = out[name].astype(float).round(4) if name in FLOATS else out[name].astype("int64")
    out["last_day"] = pd.to_datetime(out["last_day"]).dt.date
    return out.sort_values(KEYS).reset_index(drop=True)


def stored_months(connection: sa.Connection) -> pd.DataFrame:
    return _comparable(frame(connection, sa.select(rollup_month).where(rollup_month.c.month == OCTOBER)))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sets(st.integers(1, 31), min_size=1, max_size=14),
       rebuilds=st.lists(st.sets(st.integers(1, 31), min_size=1, max_size=5), min_size=1, max_size=3),
       seed=st.integers(0, 2**16))
def test_a_month_summed_from_blocks_equals_its_days_after_any_rebuilds(
        engine: sa.Engine, first: set[int], rebuilds: list[set[int]], seed: int) -> None:
    rng = random.Random(seed)
    with engine.begin() as connection:
        for table in (rollup_month_wide, rollup_month_unit, rollup_month, rollup_block, rollup_day):
            connection.execute(sa.delete(table))
        loaded = {OCTOBER.replace(day=d) for d in first}
        replace_days(connection, loaded, rng)  # a history load: every day new
        rebuild_month_rollups(connection, [OCTOBER], days=loaded)
        pd.testing.assert_frame_equal(stored_months(connection), expected_months(connection))
        for numbers in rebuilds:  # daily loads: days replaced, added or emptied
            days = {OCTOBER.replace(day=d) for d in numbers}
            replace_days(connection, days, rng)
            rebuild_month_rollups(connection, [OCTOBER], days=days)
            pd.testing.assert_frame_equal(stored_months(connection), expected_months(connection),
                                          obj=f"after rebuilding {sorted(numbers)}")
