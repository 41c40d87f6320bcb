"""The month rollups are rebuilt on a second thread beside the staff month tables
(etl.rollups.rebuild): a failure there is the load's failure, and the next load finishes it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbstate import table_hashes
from etl import rollups
from etl.load import load_paths
from store import month_rollups, read
from store.schema import etl_run, rollup_block, rollup_month, rollup_month_unit, rollup_month_wide


def test_month_rollups_run_on_their_own_thread_and_their_failure_fails_the_load(
        engine: sa.Engine, tiny_bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original, threads = month_rollups.rebuild_month_rollups, []

    def broken(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        threads.append(threading.current_thread())
        raise RuntimeError("disk full while summing the month")

    monkeypatch.setattr(month_rollups, "rebuild_month_rollups", broken)
    with pytest.raises(RuntimeError, match="disk full while summing the month"):
        load_paths(engine, [tiny_bank])
    assert threads and all(t is not threading.main_thread() for t in threads)
    with engine.connect() as connection:  # facts in, rollups not: no run is marked done
        statuses = set(connection.execute(sa.select(etl_run.c.status)).scalars())
    assert "ok" not in statuses and "loaded" in statuses

    monkeypatch.setattr(month_rollups, "rebuild_month_rollups", original)
    load_paths(engine, [tiny_bank])  # the interrupted rollups are finished by the next load
    with engine.connect() as connection:
        assert set(connection.execute(sa.select(etl_run.c.status)).scalars()) == {"ok"}
    finished = _derived(engine)
    with engine.begin() as connection:  # then the month tables summed again from nothing
        for table in (rollup_month, rollup_month_unit, rollup_month_wide, rollup_block):
            connection.execute(sa.delete(table))
    with engine.connect() as connection:
        days = read.fact_days(connection)
    rollups.rebuild(engine, days)
    assert _derived(engine) == finished


def _derived(engine: sa.Engine) -> dict[str, str]:
    """The hashes of the rollup and staff tables."""
    return {name: value for name, value in table_hashes(engine).items() if name.startswith(("rollup_", "staff_"))}
