"""`python -m etl` as an operator runs it: real processes, a real SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from store.read import frame
from store.schema import etl_run, fact_staff_day


def run_etl(*args: str, db: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "etl", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def test_init_creates_the_schema_and_is_idempotent(tmp_path: Path) -> None:
    db = tmp_path / "data" / "cascade.db"
    first = run_etl("init", db=db, cwd=tmp_path)
    second = run_etl("init", db=db, cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr
    head = sorted(p.name[:4] for p in (Path(__file__).parents[2] / "store" / "migrations" / "versions").glob("0*.py"))[-1]
    assert f"revision {head}" in first.stdout and first.stdout == second.stdout
    assert "fact_staff_day" in sa.inspect(sa.create_engine(f"sqlite:///{db}")).get_table_names()


def test_load_prints_counts_per_source_and_status_shows_freshness(tmp_path: Path, tiny_bank: Path) -> None:
    db = tmp_path / "cascade.db"
    loaded = run_etl("load", str(tiny_bank), db=db, cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    lines = {line.split()[0]: line.split() for line in loaded.stdout.splitlines() if line.strip()}
    # files, skipped, rows in, loaded, rejected, superseded
    assert lines["wecom_behavior"][1:] == ["3", "0", "6", "6", "0", "0"]
    assert lines["staff_roster"][1:] == ["1", "0", "4", "4", "0", "0"]
    status = run_etl("status", db=db, cwd=tmp_path)
    assert status.returncode == 0
    assert "wecom_behavior" in status.stdout and "2026-09-03" in status.stdout


def test_a_bad_file_fails_alone_with_its_name_and_cause(tmp_path: Path, tiny_bank: Path) -> None:
    db = tmp_path / "cascade.db"
    (tiny_bank / "conversions_20260904.csv").write_text("day,staff_id\n2026-09-04,X\n", encoding="utf-8")
    result = run_etl("load", str(tiny_bank), db=db, cwd=tmp_path)
    assert result.returncode != 0
    assert "conversions_20260904.csv: missing column(s): department, kind, segment, product, count, amount" in result.stdout
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        runs = frame(connection, sa.select(etl_run.c.file, etl_run.c.status))
        facts = connection.execute(sa.select(sa.func.count()).select_from(fact_staff_day)).scalar()
    assert set(runs.loc[runs["file"].str.endswith("20260904.csv"), "status"]) == {"failed"}
    assert facts == 6  # the good files still loaded
