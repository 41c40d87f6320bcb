"""The fast staff read (store.staff_reads.staff_sums + kpi.staff.staff_metrics_from_sums) gives
the numbers of the reference (kpi.staff.staff_metrics over store.staff_reads.subtree_staff):
whole months from staff_month, other days from the facts, live relations kept by the rollup
rebuild or counted, for HO, a branch and outlets with transfers and the merge, with and
without a department; on SQLite (demo banks) and PostgreSQL (a copy of one branch)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from kpi.staff import staff_metrics, staff_metrics_from_sums
from store import staff_month as sm
from store.engine import make_engine
from store.pages import OutOfScope, Scope
from store.read import frame
from store.schema import fact_contact, fact_conversion, fact_staff_day, org_unit, staff, staff_live, staff_month
from store.staff_reads import staff_sums, subtree_staff
from store.write import insert_rows
from once import built_once

# demo_sqlite_url holds 2026-10-18 .. 2026-10-31; `crossing` holds 2026-10-27 .. 2026-11-03.
OCTOBER_PERIODS = [
    (date(2026, 10, 18), date(2026, 10, 31)),  # the month, clipped to the data: staff_month
    (date(2026, 10, 19), date(2026, 10, 25)),  # an ISO week (ends on a kept Sunday)
    (date(2026, 10, 18), date(2026, 10, 27)),  # part of a month (live counted from the facts)
    (date(2026, 9, 20), date(2026, 10, 22)),  # custom, crossing months
    (date(2026, 10, 24), date(2026, 10, 24)),  # one day
]
CROSSING_PERIODS = [
    (date(2026, 10, 27), date(2026, 11, 3)),  # two months, both whole as far as there is data
    (date(2026, 10, 29), date(2026, 11, 3)),  # edge days of October + November from staff_month
    (date(2026, 10, 27), date(2026, 11, 1)),  # October from staff_month + a November edge day
    (date(2026, 11, 1), date(2026, 11, 1)),  # one day
]


def reference(engine: sa.Engine, scope: Scope, under: str, start: date, end: date,
              department: str | None) -> pd.DataFrame:
    """kpi.staff.staff_metrics over the raw facts (dashboard.data's former staff_metrics_in)."""
    bundle = subtree_staff(engine, scope=scope, under=under, start=start, end=end)
    if department is not None:
        sales = bundle["conversions"]
        bundle = {**bundle, "conversions": sales[sales["department"] == department].reset_index(drop=True)}
    return staff_metrics(bundle, start=start, end=end)


def fast(engine: sa.Engine, scope: Scope, under: str, start: date, end: date, department: str | None) -> pd.DataFrame:
    return staff_metrics_from_sums(staff_sums(engine, scope=scope, under=under, start=start, end=end,
                                              department=department))


def assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    """Same rows in the same order; every column of the reference with the same values
    (numbers to 1e-9 relative: SQL sums floats in another order than pandas)."""
    assert new["staff_id"].tolist() == old["staff_id"].tolist()
    assert not set(old.columns) - set(new.columns)
    for column in old.columns:
        a, b = new[column], old[column]
        if pd.api.types.is_numeric_dtype(b) and pd.api.types.is_numeric_dtype(a):
            same = np.isclose(a.to_numpy(float), b.to_numpy(float), rtol=1e-9, atol=1e-9, equal_nan=True)
        else:
            same = (a.astype(str) == b.astype(str)).to_numpy()
        assert same.all(), f"{column}: {new.loc[~same, ['staff_id', column]].head()} vs {b[~same].head()}"


def moved(engine: sa.Engine) -> tuple[str, str, str]:
    """The merged outlet, the outlet it merged into, and the outlet of a transferred member."""
    with engine.connect() as connection:
        org = frame(connection, sa.select(org_unit.c.code, org_unit.c.merged_into).where(org_unit.c.merged_into.is_not(None)))
        versions = frame(connection, sa.select(staff.c.staff_id, staff.c.outlet_code))
    merged, survivor = org.iloc[0]["code"], org.iloc[0]["merged_into"]
    movers = versions.groupby("staff_id")["outlet_code"].nunique()
    others = versions[versions["staff_id"].isin(movers[movers > 1].index) & ~versions["outlet_code"].isin([merged, survivor])]
    return merged, survivor, others["outlet_code"].iloc[0]


def branch_of(engine: sa.Engine, outlet: str) -> str:
    with engine.connect() as connection:
        return connection.execute(sa.select(org_unit.c.parent_code).where(org_unit.c.code == outlet)).first()[0]


def units(engine: sa.Engine) -> list[str]:
    """HO, the branch of the merge, the outlet merged into, and an outlet a member moved from
    or to (the merged outlet itself is no unit to open once merged: its staff are in both)."""
    _, survivor, transfer = moved(engine)
    return ["HO", branch_of(engine, survivor), survivor, transfer]


@pytest.fixture(scope="module")
def october(demo_sqlite_url: str) -> sa.Engine:
    return make_engine(demo_sqlite_url)


def _crossing_bank(folder: Path, sqlite_template: Path) -> sa.Engine:
    """8 days of the small demo bank across a month end in `folder`, and an empty store there."""
    import shutil

    from etl.demo import generate

    generate(scale="small", out=folder / "inbox", seed=5, days=8, end=date(2026, 11, 3))
    shutil.copy(sqlite_template, folder / "cascade.db")
    return make_engine(f"sqlite:///{folder / 'cascade.db'}")


@pytest.fixture(scope="module")
def crossing(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> sa.Engine:
    """8 days of the small demo bank across a month end (the merge falls on 2026-10-31), built
    once per run (tests/once.py): the tests only read it."""
    from etl.load import load_paths

    def build(folder: Path) -> str:
        engine = _crossing_bank(folder, sqlite_template)
        load_paths(engine, [folder / "inbox"])
        return str(engine.url)

    return make_engine(built_once(tmp_path_factory, "crossing", build)[1])


@pytest.fixture(scope="module")
def crossing_daily(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> sa.Engine:
    """The `crossing` bank delivered as production gets it: the history to 2026-10-29, then one
    load a day. The months the daily loads advance are held by their packs alone
    (store.staff_append), so the pages read them from there."""
    from etl.files import day_of_name, route
    from etl.load import load_paths

    def build(folder: Path) -> str:
        engine = _crossing_bank(folder, sqlite_template)
        # Without the monthly task extracts: they put facts on the later days before those days' loads.
        every = sorted(p for p in (folder / "inbox").iterdir() if p.suffix != ".json" and route(p) != "tasks")
        daily = {"contacts", "conversions", "interceptions", "wecom_behavior", "wecom_groupchat"}
        later = {p: day for p in every if route(p) in daily and (day := day_of_name(p)) > date(2026, 10, 29)}
        load_paths(engine, [p for p in every if p not in later])
        for day in sorted(set(later.values())):
            assert not load_paths(engine, [p for p, d in later.items() if d == day]).failed
        return str(engine.url)

    return make_engine(built_once(tmp_path_factory, "crossing-daily", build)[1])


@pytest.mark.parametrize("department", [None, "online"])
@pytest.mark.parametrize("period", CROSSING_PERIODS, ids=lambda p: f"{p[0]}~{p[1]}")
def test_months_held_by_their_packs_alone_read_as_the_reference(crossing_daily: sa.Engine, period: tuple[date, date],
                                                                department: str | None) -> None:
    from store import staff_append

    with crossing_daily.connect() as connection:
        assert staff_append.packed_only(connection, date(2026, 11, 1))  # advanced on the 2nd and 3rd
    start, end = period
    for unit in units(crossing_daily):
        assert_same(fast(crossing_daily, Scope("HO"), unit, start, end, department),
                    reference(crossing_daily, Scope("HO"), unit, start, end, department))


@pytest.mark.parametrize("department", [None, "retail"])
@pytest.mark.parametrize("period", OCTOBER_PERIODS, ids=lambda p: f"{p[0]}~{p[1]}")
def test_october_periods_equal_the_reference(october: sa.Engine, period: tuple[date, date], department: str | None) -> None:
    start, end = period
    for unit in units(october):
        assert_same(fast(october, Scope("HO"), unit, start, end, department),
                    reference(october, Scope("HO"), unit, start, end, department))


@pytest.mark.parametrize("department", [None, "online"])
@pytest.mark.parametrize("period", CROSSING_PERIODS, ids=lambda p: f"{p[0]}~{p[1]}")
def test_periods_across_a_month_end_equal_the_reference(crossing: sa.Engine, period: tuple[date, date],
                                                        department: str | None) -> None:
    start, end = period
    for unit in units(crossing):
        assert_same(fast(crossing, Scope("HO"), unit, start, end, department),
                    reference(crossing, Scope("HO"), unit, start, end, department))


def test_whole_months_are_read_from_staff_month_and_their_rows_sum_the_facts(crossing: sa.Engine) -> None:
    from store.staff_reads import cover

    with crossing.connect() as connection:
        assert cover(connection, date(2026, 10, 1), date(2026, 11, 30)) == ([date(2026, 10, 1), date(2026, 11, 1)], [])
        assert cover(connection, date(2026, 10, 28), date(2026, 11, 3)) == (
            [date(2026, 11, 1)], [(date(2026, 10, 28), date(2026, 10, 31))])
        months = frame(connection, sa.select(staff_month).where(staff_month.c.department == "all"))
        facts = frame(connection, sa.select(sa.func.sum(fact_staff_day.c.message_cnt), sa.func.count()))
        sold = frame(connection, sa.select(sa.func.count()).select_from(fact_conversion)
                     .where(fact_conversion.c.product == "card"))
    assert months["message_cnt"].sum() == facts.iloc[0, 0] and months["fact_days"].sum() == facts.iloc[0, 1]
    assert sold.iloc[0, 0] > 0 and set(months["month"]) == {date(2026, 10, 1), date(2026, 11, 1)}


def test_live_counts_are_kept_for_period_ends_only(crossing: sa.Engine) -> None:
    with crossing.connect() as connection:
        days = {row[0] for row in connection.execute(sa.select(staff_live.c.day).distinct())}
    # Sunday 2026-11-01, the month end 2026-10-31 and the newest day 2026-11-03
    assert days == {date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 3)}


def test_months_never_built_are_read_from_the_facts(demo_store_copy: str) -> None:
    engine = make_engine(demo_store_copy)
    before = fast(engine, Scope("HO"), "HO", date(2026, 10, 18), date(2026, 10, 31), None)
    with engine.begin() as connection:
        connection.execute(sa.delete(staff_month))
        connection.execute(sa.delete(staff_live))
    assert_same(fast(engine, Scope("HO"), "HO", date(2026, 10, 18), date(2026, 10, 31), None), before)


def test_a_read_outside_the_scope_is_refused(october: sa.Engine) -> None:
    with pytest.raises(OutOfScope):
        staff_sums(october, scope=Scope("GD"), under="ZJ01", start=date(2026, 10, 18), end=date(2026, 10, 31))


def _copy_branch(source: sa.Engine, target: sa.Engine, branch: str) -> None:
    """The org, and the staff of one branch with all their facts, copied into `target`."""
    with source.connect() as connection:
        org = frame(connection, sa.select(*[c for c in org_unit.c if c.name != "id"]))
        outlets = org.loc[org["parent_code"] == branch, "code"].tolist()
        ids = sa.select(staff.c.staff_id).where(staff.c.outlet_code.in_(outlets))
        tables = {t: frame(connection, sa.select(*[c for c in t.c if c.name != "id"]).where(t.c.staff_id.in_(ids)))
                  for t in (staff, fact_staff_day, fact_conversion, fact_contact)}
    with target.begin() as connection:
        insert_rows(connection, org_unit, org)
        for table, rows in tables.items():
            insert_rows(connection, table, rows)


@pytest.mark.parametrize("department", [None, "retail"])
def test_the_same_on_every_backend(engine: sa.Engine, crossing: sa.Engine, department: str | None) -> None:
    """staff_month rebuilt and read in SQL on this backend (live relations counted here)."""
    _, survivor, _ = moved(crossing)
    branch = branch_of(crossing, survivor)
    _copy_branch(crossing, engine, branch)
    sm.rebuild_months(engine, [date(2026, 10, 31), date(2026, 11, 1)])
    for start, end in CROSSING_PERIODS:
        for unit in (branch, survivor):
            assert_same(fast(engine, Scope(branch), unit, start, end, department),
                        reference(engine, Scope(branch), unit, start, end, department))
