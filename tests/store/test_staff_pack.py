"""staff_pack: the packed month parts are built with staff_month (and by migration 0008 for a
store that has months already), and the staff reads that use them give exactly the frames of
the SQL reads: same rows, values and dtypes, for whole months, several months, a department,
HO, a branch and an outlet; other periods, and a roster/live day other than the pack's, are
read in SQL. The PostgreSQL side is test_staff_sums.test_the_same_on_every_backend, which
rebuilds (and so packs) its months on each backend."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi.staff import staff_metrics_from_sums
from store import staff_month as sm
from store import staff_pack
from store import staff_reads
from store.engine import make_engine
from store.migrate import downgrade, upgrade
from store.pages import Scope, subtree_codes
from store.schema import staff_month, staff_pack as pack_table
from store.staff_reads import staff_sums
from test_staff_sums import assert_same, branch_of, crossing, moved, units  # noqa: F401 - `crossing` is a fixture

PACKED = [
    (date(2026, 10, 27), date(2026, 10, 31)),  # October, clipped to the data
    (date(2026, 11, 1), date(2026, 11, 3)),  # November, to its last day of data
    (date(2026, 10, 27), date(2026, 11, 3)),  # both months
]


def sql_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(staff_pack, "read", lambda *args, **kwargs: None)


def metrics(engine: sa.Engine, scope: Scope, unit: str, start: date, end: date, department: str | None) -> pd.DataFrame:
    return staff_metrics_from_sums(staff_sums(engine, scope=scope, under=unit, start=start, end=end, department=department))


def copy_of(engine: sa.Engine, path: Path) -> sa.Engine:
    """A writable copy of a SQLite store (its WAL checkpointed first: the file alone may lag)."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copy(engine.url.database, path)
    return make_engine(f"sqlite:///{path}")


def test_every_built_month_has_its_parts_as_of_its_last_day_with_facts(crossing: sa.Engine) -> None:
    with crossing.connect() as connection:
        rows = connection.execute(sa.select(pack_table.c.month, pack_table.c.part, pack_table.c.as_of,
                                            pack_table.c.row_count)).all()
        months = connection.execute(sa.select(staff_month.c.month).distinct()).scalars().all()
    assert {(r.month, r.part) for r in rows} == {(m, p) for m in months for p in ("sums", "sales", "roster", "live")}
    assert {r.month: r.as_of for r in rows} == {date(2026, 10, 1): date(2026, 10, 31), date(2026, 11, 1): date(2026, 11, 3)}
    assert all(r.row_count > 0 for r in rows)


@pytest.mark.parametrize("department", [None, "retail", "online"])
@pytest.mark.parametrize("period", PACKED, ids=lambda p: f"{p[0]}~{p[1]}")
def test_packed_reads_give_the_frames_of_the_sql_reads(crossing: sa.Engine, monkeypatch: pytest.MonkeyPatch,
                                                        period: tuple[date, date], department: str | None) -> None:
    start, end = period
    packed = {unit: metrics(crossing, Scope("HO"), unit, start, end, department) for unit in units(crossing)}
    sql_only(monkeypatch)
    for unit, fast in packed.items():
        slow = metrics(crossing, Scope("HO"), unit, start, end, department)
        assert_same(fast, slow)
        assert list(fast.columns) == list(slow.columns) and (fast.dtypes == slow.dtypes).all()


def test_whole_months_ending_on_the_pack_day_read_no_staff_rows_in_sql(crossing: sa.Engine,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args: object, **kwargs: object) -> None:
        raise AssertionError("read in SQL")

    for name in ("_sum_parts", "_snapshots", "_versions", "_live"):
        monkeypatch.setattr(staff_reads, name, refused)
    for start, end in PACKED:
        assert not metrics(crossing, Scope("HO"), "HO", start, end, "retail").empty


def test_a_period_ending_before_the_pack_day_reads_its_roster_in_sql(crossing: sa.Engine,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    asked = []
    original = staff_reads._versions
    monkeypatch.setattr(staff_reads, "_versions", lambda *args: asked.append(args) or original(*args))
    metrics(crossing, Scope("HO"), "HO", date(2026, 11, 1), date(2026, 11, 2), None)
    assert asked


def test_a_branch_reads_only_its_own_staff_from_the_bank_wide_parts(crossing: sa.Engine) -> None:
    _, survivor, _ = moved(crossing)
    branch = branch_of(crossing, survivor)
    parts = staff_sums(crossing, scope=Scope(branch), under=branch, start=date(2026, 10, 27), end=date(2026, 10, 31))
    outlets = set(subtree_codes(crossing, root=branch, day=date(2026, 10, 31), level="outlet"))
    assert not parts["roster"].empty and set(parts["roster"]["outlet_code"]) <= outlets
    assert set(parts["contacts_live"]["staff_id"]) <= set(parts["roster"]["staff_id"])


def test_a_rebuild_replaces_the_parts_and_a_month_without_rows_has_none(crossing: sa.Engine, tmp_path: Path) -> None:
    engine = copy_of(crossing, tmp_path / "copy.db")
    sm.rebuild_months(engine, [date(2026, 11, 2)])
    with engine.begin() as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(pack_table)).scalar() == 8
        connection.execute(sa.delete(staff_month).where(staff_month.c.month == date(2026, 11, 1)))
        staff_pack.rebuild(connection, date(2026, 11, 1))
        months = set(connection.execute(sa.select(pack_table.c.month)).scalars())
    assert months == {date(2026, 10, 1)}


def test_migration_0008_packs_the_months_a_store_already_has(crossing: sa.Engine, tmp_path: Path) -> None:
    engine = copy_of(crossing, tmp_path / "old.db")
    downgrade(engine, revision="0008")  # later migrations first, by their own downgrades
    with engine.begin() as connection:
        before = connection.execute(sa.select(pack_table.c.month, pack_table.c.part, pack_table.c.row_count)
                                    .order_by(pack_table.c.month, pack_table.c.part)).all()
        connection.exec_driver_sql("DROP TABLE staff_pack")
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0007'")
    upgrade(engine)
    with engine.connect() as connection:
        after = connection.execute(sa.select(pack_table.c.month, pack_table.c.part, pack_table.c.row_count)
                                   .order_by(pack_table.c.month, pack_table.c.part)).all()
    assert after == before and len(after) == 8


@pytest.mark.parametrize("level", [None, "outlet", "branch"])
def test_a_subtree_as_a_subquery_holds_the_codes_of_subtree_codes(crossing: sa.Engine, level: str | None) -> None:
    """pages.subtree_select (the incentive targets' filter) against pages.subtree_codes, before
    and after the merge of 2026-10-31 (a merged outlet stays in its subtree)."""
    from store.pages import subtree_select

    merged, survivor, _ = moved(crossing)
    roots = ["HO", branch_of(crossing, survivor), survivor, merged]
    with crossing.connect() as connection:
        for day in (date(2026, 10, 27), date(2026, 11, 3)):
            for root in roots:
                found = connection.execute(subtree_select(root=root, day=day, level=level)).scalars().all()
                assert sorted(found) == sorted(subtree_codes(crossing, root=root, day=day, level=level))


def test_the_roster_part_from_the_history_in_memory_is_the_one_read_in_sql(crossing: sa.Engine) -> None:
    from store import read

    with crossing.connect() as connection:
        history = read.staff_history(connection)
        for as_of in (date(2026, 10, 31), date(2026, 11, 3), date(2026, 9, 1)):
            pd.testing.assert_frame_equal(staff_pack.roster_of(history, as_of), staff_pack._roster(connection, as_of))
