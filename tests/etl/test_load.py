"""Loading the tiny bank: numbers that reconcile, history that stays put, reloads that change nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from dbstate import table_hashes
from etl.load import load_paths
from store.read import frame
from store.schema import fact_conversion, fact_staff_day, rollup_day


def rollups(engine: sa.Engine, **where: object) -> pd.DataFrame:
    statement = sa.select(rollup_day).where(*[rollup_day.c[k] == v for k, v in where.items()])
    with engine.connect() as connection:
        return frame(connection, statement)


def test_load_reports_every_source_and_rejects_nothing_clean(engine: sa.Engine, tiny_bank: Path) -> None:
    summary = load_paths(engine, [tiny_bank])
    assert not summary.failed
    by_source = {r.source: r for r in summary.results if r.status == "ok"}
    assert set(by_source) == {"org_units", "staff_roster", "wecom_behavior", "wecom_groupchat", "conversions", "contacts"}
    assert sum(r.rows_rejected for r in summary.results) == 0


def test_head_office_rollup_equals_direct_sums_of_facts(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    with engine.connect() as connection:
        behaviour = frame(connection, sa.select(fact_staff_day))
        conversions = frame(connection, sa.select(fact_conversion))
    head_office = rollups(engine, unit_code="HO")
    assert head_office["chat_cnt"].sum() == behaviour["chat_cnt"].sum() == 33
    assert head_office["new_contact_cnt"].sum() == behaviour["new_contact_cnt"].sum() == 21
    assert head_office["account_cnt"].sum() == conversions.loc[conversions["product"] == "account", "count"].sum()
    assert head_office["deposit_amount"].sum() == float(conversions["amount"].astype(float).sum()) == 150000.0
    assert head_office["contacts_added"].sum() == 6


def test_snapshots_are_day_values_never_sums(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    last_day = rollups(engine, unit_code="HO", day=date(2026, 9, 3), department="all", kind="all")
    assert last_day["chat_total"].sum() == 4  # 3 + 1 groups, as on that day
    assert last_day["staff_cnt"].sum() == 3
    live = rollups(engine, unit_code="HO", day=date(2026, 9, 3))["contacts_live"].sum()
    assert live == 6  # two relations a day for three days, none removed


def test_merge_and_transfer_keep_history_where_it_happened(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    before = rollups(engine, unit_code="GD01002", day=date(2026, 9, 2), kind="all")
    after = rollups(engine, unit_code="GD01002", day=date(2026, 9, 3))
    assert before["new_contact_cnt"].sum() == 2  # the transferred manager, still at the old outlet
    assert after.empty  # merged away: its staff count at the survivor from the merge day
    survivor = rollups(engine, unit_code="GD01001", day=date(2026, 9, 3), kind="all")
    assert survivor["staff_cnt"].sum() == 3
    assert survivor["new_contact_cnt"].sum() == 7


def test_missing_reply_figures_are_null_not_zero(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    with engine.connect() as connection:
        rows = frame(connection, sa.select(fact_staff_day).where(fact_staff_day.c.staff_id == "GD01002001"))
    assert rows["chat_cnt"].eq(0).all()
    assert rows["reply_percentage"].isna().all() and rows["avg_reply_time"].isna().all()
    weights = rollups(engine, unit_code="HO", kind="all")
    assert weights["reply_percentage_den"].sum() == weights["chat_cnt"].sum()  # only chatting staff weigh


def test_loading_twice_changes_nothing(engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(engine, [tiny_bank])
    first = table_hashes(engine)
    again = load_paths(engine, [tiny_bank])
    assert {r.status for r in again.results} == {"skipped"}
    assert table_hashes(engine) == first
    load_paths(engine, [tiny_bank], force=True)
    assert table_hashes(engine) == first


def test_a_later_exchange_for_the_same_staff_and_day_wins(engine: sa.Engine, tiny_bank: Path) -> None:
    from tiny_bank import DAYS, behaviour_exchange, write_jsonl

    early_zeros = behaviour_exchange("GD01001001", DAYS[0], chats=0, contacts=0)
    real = behaviour_exchange("GD01001001", DAYS[0], chats=7, contacts=4)
    write_jsonl(tiny_bank / "wecom_behavior_20260904.jsonl", [early_zeros, real])
    summary = load_paths(engine, [tiny_bank])
    result = next(r for r in summary.results if r.path.name == "wecom_behavior_20260904.jsonl")
    assert (result.rows_in, result.rows_loaded, result.rows_superseded) == (2, 1, 1)
    with engine.connect() as connection:
        chats = connection.execute(
            sa.select(fact_staff_day.c.chat_cnt).where(
                fact_staff_day.c.staff_id == "GD01001001", fact_staff_day.c.day == DAYS[0]
            )
        ).scalar()
    assert chats == 7
    assert rollups(engine, unit_code="HO", day=DAYS[0], kind="all")["chat_cnt"].sum() == 7


def test_identical_empty_files_of_different_days_are_both_loaded(engine: sa.Engine, tiny_bank: Path) -> None:
    for stamp in ("20260901", "20260902"):
        (tiny_bank / f"interceptions_{stamp}.csv").write_text("day,staff_id,intercepted_msgs\n", encoding="utf-8")
    summary = load_paths(engine, [tiny_bank])
    statuses = {r.path.name: r.status for r in summary.results if r.source == "interceptions"}
    assert statuses == {"interceptions_20260901.csv": "ok", "interceptions_20260902.csv": "ok"}


def test_a_mostly_bad_full_history_fails_whole_and_keeps_the_roster(engine: sa.Engine, tiny_bank: Path, tmp_path: Path) -> None:
    from store.read import rejects
    from store.schema import staff

    load_paths(engine, [tiny_bank])
    before = table_hashes(engine)
    redelivery = tmp_path / "redelivery"
    redelivery.mkdir()
    (redelivery / "staff_roster_20260904.csv").write_text(
        "staff_id,name,outlet_code,role,wecom_status,contact_enabled,managed_customers,valid_from,valid_to\n"
        "GD01001001,李明,NOWHERE,customer_manager,1,1,400,2026-01-01,\n", encoding="utf-8")
    summary = load_paths(engine, [redelivery])
    assert summary.failed and "1 of 1 rows rejected (first: outlet NOWHERE is not in the org)" in summary.failed[0].message
    assert table_hashes(engine) == before  # the roster is kept, nothing else moved
    run_id = int(rejects(engine).query("source == 'staff_roster'")["run_id"].iloc[0])
    assert rejects(engine, run_id=run_id)["reason"].tolist() == ["outlet NOWHERE is not in the org"]
    with engine.connect() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(staff)).scalar() == 4


def _row_estimate(engine: sa.Engine, table: str) -> float:
    """What PostgreSQL's planner believes `table` holds (pg_class.reltuples, set by ANALYZE)."""
    with engine.connect() as connection:
        return connection.execute(sa.text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:t)"),
                                  {"t": table}).scalar_one()


@pytest.mark.postgres
def test_a_load_leaves_postgresql_planning_with_what_it_loaded(pg_engine: sa.Engine, tiny_bank: Path) -> None:
    # Why it matters: a store that was never analysed had the branch leader's S-curve filter
    # 174K index rows instead of seeking 1,190 (bench, 35 days: 474 -> 176 ms).
    with pg_engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE rollup_day")  # the planner now believes it is empty
    assert _row_estimate(pg_engine, "rollup_day") == 0
    load_paths(pg_engine, [tiny_bank])
    with pg_engine.connect() as connection:
        rows = connection.execute(sa.select(sa.func.count()).select_from(rollup_day)).scalar_one()
    assert rows > 0
    assert _row_estimate(pg_engine, "rollup_day") == rows  # a small table is analysed whole


def test_a_load_leaves_sqlite_without_statistics(sqlite_engine: sa.Engine, tiny_bank: Path) -> None:
    load_paths(sqlite_engine, [tiny_bank])  # the page reads were tuned on plans made without them
    with sqlite_engine.connect() as connection:
        found = connection.exec_driver_sql("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'").all()
    assert found == []
