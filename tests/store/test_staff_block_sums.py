"""Whatever facts a month holds and whichever of its days are rebuilt, one after another,
staff_month summed through staff_block equals the month's facts summed directly by the same
placement rule (property test, both backends), a member moving outlet mid-month included."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pandas as pd
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from store import staff_month as sm
from store.read import frame
from store.schema import (WECOM_BEHAVIOUR_COUNTS, WECOM_GROUP_STATS, fact_conversion, fact_staff_day, staff,
                          staff_block, staff_month, staff_pack)

OCTOBER = date(2026, 10, 1)
ROSTER = [("S1", "O1", date(2026, 1, 1), None), ("S2", "O1", date(2026, 1, 1), date(2026, 10, 16)),
          ("S2", "O2", date(2026, 10, 16), None), ("S3", "O2", date(2026, 1, 1), None)]
KEYS = ["department", "outlet_code", "staff_id"]
FLOATS = {"reply_percentage_num", "avg_reply_time_num", "deposit_amount", "wealth_amount"}
SALES = [("online", "incremental", "long_tail", "card"), ("retail", "stock", "wealth", "deposit"),
         ("online", "stock", "wealth", "wealth")]


def facts_of(day: date, rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Some members' staff-day facts (any field may be missing) and sales of one day."""
    behaviour, sales = [], []
    for member in ("S1", "S2", "S3"):
        if rng.random() < 0.7:
            counts = {n: (rng.randint(0, 30) if rng.random() < 0.8 else None)
                      for n in [*WECOM_BEHAVIOUR_COUNTS, *WECOM_GROUP_STATS, "tasks_assigned", "tasks_done",
                                "intercepted_msgs"]}
            behaviour.append(counts | {"day": day, "staff_id": member,
                                       "reply_percentage": rng.choice([None, rng.randint(0, 10_000) / 100]),
                                       "avg_reply_time": rng.choice([None, float(rng.randint(0, 90))])})
        for department, kind, segment, product in SALES:
            if rng.random() < 0.3:
                sales.append({"day": day, "staff_id": member, "department": department, "kind": kind,
                              "segment": segment, "product": product, "count": rng.randint(1, 5),
                              "amount": Decimal(rng.randint(0, 10**7)) / 100})
    return behaviour, sales


def replace_days(engine: sa.Engine, days: set[date], rng: random.Random) -> None:
    with engine.begin() as connection:
        for table in (fact_staff_day, fact_conversion):
            connection.execute(sa.delete(table).where(table.c.day.in_(days)))
        for day in sorted(days):
            behaviour, sales = facts_of(day, rng)
            if behaviour:
                connection.execute(sa.insert(fact_staff_day), behaviour)
            if sales:
                connection.execute(sa.insert(fact_conversion), sales)


def _comparable(rows: pd.DataFrame) -> pd.DataFrame:
    out = rows[[*KEYS, "last_day", *sm.SUMMED]].copy()
    for name in sm.SUMMED:
        out[name] = out[name].astype(float).round(4) if name in FLOATS else out[name].astype("int64")
    out["last_day"] = pd.to_datetime(out["last_day"]).dt.date
    return out.sort_values(KEYS).reset_index(drop=True)


def direct_month(connection: sa.Connection) -> pd.DataFrame:
    """The month's facts placed and summed in one pass (no blocks): the month's own SELECTs."""
    parts = [frame(connection, rows) for rows in sm._month_rows(OCTOBER, sm.month_end(OCTOBER))]
    for part in parts:
        part.columns = ["month", *sm.COLUMNS]
    return _comparable(pd.concat([p for p in parts if not p.empty] or parts[:1], ignore_index=True))


def stored_month(connection: sa.Connection) -> pd.DataFrame:
    return _comparable(frame(connection, sa.select(staff_month).where(staff_month.c.month == OCTOBER)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.sets(st.integers(1, 31), min_size=1, max_size=14),
       rebuilds=st.lists(st.sets(st.integers(1, 31), min_size=1, max_size=5), min_size=1, max_size=3),
       seed=st.integers(0, 2**16))
def test_a_month_summed_from_staff_blocks_equals_its_facts_after_any_rebuilds(
        engine: sa.Engine, first: set[int], rebuilds: list[set[int]], seed: int) -> None:
    rng = random.Random(seed)
    with engine.begin() as connection:
        for table in (staff_pack, staff_month, staff_block, fact_staff_day, fact_conversion, staff):
            connection.execute(sa.delete(table))
        connection.execute(sa.insert(staff), [
            {"staff_id": s, "name": s, "outlet_code": o, "role": "customer_manager", "wecom_status": 1,
             "contact_enabled": True, "managed_customers": 10, "valid_from": f, "valid_to": t} for s, o, f, t in ROSTER])
    loaded = {OCTOBER.replace(day=d) for d in first}
    replace_days(engine, loaded, rng)  # a history load
    sm.rebuild_months(engine, loaded)
    with engine.connect() as connection:
        pd.testing.assert_frame_equal(stored_month(connection), direct_month(connection))
    for numbers in rebuilds:  # daily loads: days replaced, added or emptied
        days = {OCTOBER.replace(day=d) for d in numbers}
        replace_days(engine, days, rng)
        sm.rebuild_months(engine, days)
        with engine.connect() as connection:
            pd.testing.assert_frame_equal(stored_month(connection), direct_month(connection),
                                          obj=f"after rebuilding {sorted(numbers)}")
