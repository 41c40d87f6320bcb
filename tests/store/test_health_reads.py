"""Reads of the data health page: runs with their timings, reject counts, coverage."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from store import staff_month as sm
from store import staff_pack, staff_reads
from store.health import load_runs, reject_counts, run_facets, staff_coverage
from store.pages import OutOfScope, Scope
from store.read import rejects
from store.schema import etl_reject, etl_run, fact_staff_day, org_unit, staff, staff_month
from store.schema import staff_pack as staff_pack_table

T0 = datetime(2026, 10, 31, 18, 0, tzinfo=timezone.utc)
START, END = date(2026, 10, 1), date(2026, 10, 31)
OPEN = date(2020, 1, 1)  # staff start here; the org a year earlier
ORG_OPEN = date(2019, 1, 1)


def add_run(connection: sa.Connection, run_id: int, source: str, file: str, status: str, *,
            seconds: float | None, rows: tuple[int, int, int] = (0, 0, 0), last_day: date | None = None) -> None:
    started = T0 + timedelta(minutes=run_id)
    connection.execute(sa.insert(etl_run).values(
        id=run_id, source=source, file=file, checksum=f"c{run_id}", status=status,
        rows_in=rows[0], rows_loaded=rows[1], rows_rejected=rows[2], first_day=last_day, last_day=last_day,
        message="contacts_x.csv: missing column(s): kind" if status == "failed" else None,
        started_at=started, finished_at=None if seconds is None else started + timedelta(seconds=seconds)))


@pytest.fixture
def runs_store(engine: sa.Engine) -> sa.Engine:
    """Five runs: a contacts file loaded twice (the second rejects less), a failed one,
    a behaviour log, and one still running."""
    with engine.begin() as connection:
        add_run(connection, 1, "contacts", "/in/contacts_20261030.csv", "ok", seconds=2.5, rows=(10, 7, 3),
                last_day=date(2026, 10, 30))
        add_run(connection, 2, "contacts", "/in/contacts_20261030.csv", "ok", seconds=1.25, rows=(10, 9, 1),
                last_day=date(2026, 10, 30))
        add_run(connection, 3, "contacts", "/in/contacts_20261031.csv", "failed", seconds=0.5)
        add_run(connection, 4, "wecom_behavior", "/in/wecom_behavior_20261031.jsonl", "ok", seconds=4.0,
                rows=(5, 40, 2), last_day=date(2026, 10, 31))
        add_run(connection, 5, "conversions", "/in/conversions_20261031.csv", "running", seconds=None)
        bad = [(1, "/in/contacts_20261030.csv", 4, "segment", "segment 'vip' is not one of …"),
               (1, "/in/contacts_20261030.csv", 6, "segment", "segment 'vip' is not one of …"),
               (1, "/in/contacts_20261030.csv", 9, "staff_id", "staff X998 is not on the roster"),
               (2, "/in/contacts_20261030.csv", 9, "staff_id", "staff X998 is not on the roster"),
               (4, "/in/wecom_behavior_20261031.jsonl", 3, "errcode", "WeCom errcode 81017: no privilege"),
               (4, "/in/wecom_behavior_20261031.jsonl", 8, "errcode", "WeCom errcode 81017: no privilege")]
        connection.execute(sa.insert(etl_reject), [
            {"run_id": r, "file": f, "line": line, "column": c, "reason": why} for r, f, line, c, why in bad])
    return engine


def test_runs_come_newest_first_with_their_durations(runs_store: sa.Engine) -> None:
    runs = load_runs(runs_store, limit=10)
    assert runs["id"].tolist() == [5, 4, 3, 2, 1]
    assert runs.set_index("id")["duration_s"].loc[[4, 3, 2, 1]].tolist() == [4.0, 0.5, 1.25, 2.5]
    assert pd.isna(runs.set_index("id").at[5, "duration_s"])  # still running: no duration yet
    first = runs.set_index("id").loc[1]
    assert (first["rows_in"], first["rows_loaded"], first["rows_rejected"]) == (10, 7, 3)
    assert first["started_at"] == pd.Timestamp(T0 + timedelta(minutes=1))  # UTC on both backends
    assert runs.set_index("id").at[3, "message"].startswith("contacts_x.csv: missing column")


def test_runs_filter_by_status_and_source_and_keep_the_limit(runs_store: sa.Engine) -> None:
    assert load_runs(runs_store, limit=10, statuses=["failed", "running"])["id"].tolist() == [5, 3]
    assert load_runs(runs_store, limit=10, sources=["contacts"], statuses=["ok"])["id"].tolist() == [2, 1]
    assert load_runs(runs_store, limit=2)["id"].tolist() == [5, 4]
    assert run_facets(runs_store) == {"status": ["failed", "ok", "running"],
                                      "source": ["contacts", "conversions", "wecom_behavior"]}


def test_no_runs_is_an_empty_frame_with_a_numeric_duration(engine: sa.Engine) -> None:
    runs = load_runs(engine, limit=10)
    assert runs.empty and runs["duration_s"].dtype == "float64"


def test_reject_counts_cover_each_files_latest_run_or_one_run(runs_store: sa.Engine) -> None:
    counts = reject_counts(runs_store)
    assert counts.to_dict("records") == [
        {"source": "wecom_behavior", "reason": "WeCom errcode 81017: no privilege", "rejects": 2},
        {"source": "contacts", "reason": "staff X998 is not on the roster", "rejects": 1},
    ]
    # They agree with the list `python -m etl rejects` prints.
    listed = rejects(runs_store).groupby(["source", "reason"]).size()
    assert listed.to_dict() == counts.set_index(["source", "reason"])["rejects"].to_dict()
    older = reject_counts(runs_store, run_id=1).set_index("reason")["rejects"].to_dict()
    assert older == {"segment 'vip' is not one of …": 2, "staff X998 is not on the roster": 1}


def org(code: str, level: str, parent: str | None) -> dict:
    return {"code": code, "name": f"{code}名", "name_en": f"{code} name", "level": level, "parent_code": parent,
            "valid_from": ORG_OPEN, "valid_to": None}


def person(staff_id: str, outlet: str, *, since: date = OPEN, until: date | None = None, role: str = "customer_manager") -> dict:
    return {"staff_id": staff_id, "name": f"员工{staff_id}", "outlet_code": outlet, "role": role, "wecom_status": 1,
            "contact_enabled": True, "managed_customers": 0, "valid_from": since, "valid_to": until}


@pytest.fixture
def roster_store(engine: sa.Engine) -> sa.Engine:
    """HO → P1 → B1 → O1, O2 and HO → P2 → B2 → O3. Some staff report, some do not; one left
    before the period, one moved from O1 to O3 in the middle of it."""
    units = [org("HO", "head_office", None), org("P1", "province", "HO"), org("B1", "branch", "P1"),
             org("O1", "outlet", "B1"), org("O2", "outlet", "B1"), org("P2", "province", "HO"),
             org("B2", "branch", "P2"), org("O3", "outlet", "B2")]
    people = [person("S1", "O1"), person("S2", "O1", role="teller"), person("S3", "O2"),
              person("S4", "O2", until=date(2026, 9, 1)),  # left before the period: not on the roster
              person("S5", "O1", until=date(2026, 10, 15)), person("S5", "O3", since=date(2026, 10, 15)),
              person("S6", "O3"), person("S7", "O3", since=date(2026, 11, 2))]  # joins after the period
    facts = [("S1", date(2026, 10, 3)), ("S3", date(2026, 9, 30)),  # S3's only row is before the period
             ("S4", date(2026, 10, 2)), ("S6", date(2026, 10, 31)), ("S7", date(2026, 11, 3))]
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), units)
        connection.execute(sa.insert(staff), people)
        connection.execute(sa.insert(fact_staff_day), [{"day": d, "staff_id": s, "chat_cnt": 1} for s, d in facts])
    return engine


def silent(roster: pd.DataFrame) -> list[str]:
    return sorted(roster.loc[~roster["has_data"], "staff_id"])


def test_coverage_finds_exactly_the_staff_without_data(roster_store: sa.Engine) -> None:
    roster = staff_coverage(roster_store, scope=Scope("HO"), under="HO", start=START, end=END)
    assert sorted(roster["staff_id"]) == ["S1", "S2", "S3", "S5", "S6"]
    assert silent(roster) == ["S2", "S3", "S5"]
    shown = roster.set_index("staff_id")
    assert shown.at["S5", "outlet_code"] == "O3"  # their latest place in the period
    assert (shown.at["S2", "role"], shown.at["S2", "outlet_name"], shown.at["S2", "outlet_name_en"]) == (
        "teller", "O1名", "O1 name")


def test_coverage_stays_inside_the_subtree(roster_store: sa.Engine) -> None:
    roster = staff_coverage(roster_store, scope=Scope("P1"), under="P1", start=START, end=END)
    assert sorted(roster["staff_id"]) == ["S1", "S2", "S3", "S5"]  # S6 is P2's; S5 was in O1 until the 15th
    assert roster.set_index("staff_id").at["S5", "outlet_code"] == "O1"
    assert silent(staff_coverage(roster_store, scope=Scope("P1"), under="O2", start=START, end=END)) == ["S3"]


@pytest.mark.parametrize("under", ["P2", "O3", "HO", "NOPE"])
def test_coverage_outside_the_scope_is_refused(roster_store: sa.Engine, under: str) -> None:
    with pytest.raises(OutOfScope):
        staff_coverage(roster_store, scope=Scope("P1"), under=under, start=START, end=END)


def test_coverage_of_an_empty_roster_is_empty(roster_store: sa.Engine) -> None:
    roster = staff_coverage(roster_store, scope=Scope("HO"), under="HO", start=date(2019, 3, 1), end=date(2019, 3, 31))
    assert roster.empty and roster["has_data"].dtype == bool


@pytest.fixture
def built_store(roster_store: sa.Engine) -> sa.Engine:
    """roster_store with staff_month and staff_pack built (as every load builds them), and S8,
    whose version in O2 ended on 10-10 under a fact of 10-20 already loaded (a roster
    delivery can shorten a version so): that fact has no outlet, so staff_month leaves it out."""
    with roster_store.begin() as connection:
        connection.execute(sa.insert(staff), [person("S8", "O2", until=date(2026, 10, 10))])
        connection.execute(sa.insert(fact_staff_day), [{"day": date(2026, 10, 20), "staff_id": "S8", "chat_cnt": 1}])
    sm.rebuild_months(roster_store, [date(2026, 9, 30), date(2026, 10, 3), date(2026, 11, 3)])
    return roster_store


def test_built_months_give_the_coverage_of_the_facts(built_store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with built_store.connect() as connection:
        placed = connection.execute(sa.select(staff_month.c.staff_id).where(
            staff_month.c.month == START, staff_month.c.department == "all", staff_month.c.fact_days > 0)).scalars().all()
        assert staff_pack_table_months(connection) == {date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)}
    assert sorted(placed) == ["S1", "S6"]  # S8's fact is not placed: staff_month alone would call S8 silent
    fast = staff_coverage(built_store, scope=Scope("HO"), under="HO", start=START, end=END)
    assert sorted(fast["staff_id"]) == ["S1", "S2", "S3", "S5", "S6", "S8"]
    assert silent(fast) == ["S2", "S3", "S5"]
    assert fast.set_index("staff_id").at["S5", "outlet_code"] == "O3"
    # The same frame as the reads without the packed parts, and without staff_month either.
    monkeypatch.setattr(staff_pack, "read", lambda *args, **kwargs: None)
    pd.testing.assert_frame_equal(fast, staff_coverage(built_store, scope=Scope("HO"), under="HO", start=START, end=END))
    monkeypatch.setattr(staff_reads.sm, "built_months", lambda connection, months: set())
    pd.testing.assert_frame_equal(fast, staff_coverage(built_store, scope=Scope("HO"), under="HO", start=START, end=END))


@pytest.mark.parametrize("start, end", [(date(2026, 9, 30), date(2026, 10, 31)), (date(2026, 10, 5), date(2026, 10, 31)),
                                        (START, date(2026, 10, 15)), (date(2026, 9, 1), date(2026, 11, 30))],
                         ids=str)
def test_periods_beyond_whole_months_look_in_the_facts(built_store: sa.Engine, start: date, end: date) -> None:
    roster = staff_coverage(built_store, scope=Scope("HO"), under="P1", start=start, end=end)
    facts = {"S1": date(2026, 10, 3), "S3": date(2026, 9, 30), "S8": date(2026, 10, 20)}
    assert sorted(roster.loc[roster["has_data"], "staff_id"]) == sorted(s for s, d in facts.items() if start <= d <= end)


def staff_pack_table_months(connection: sa.Connection) -> set[date]:
    return set(connection.execute(sa.select(staff_pack_table.c.month).distinct()).scalars())
