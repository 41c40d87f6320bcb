"""Days as the bank means them: China dates, and re-deliveries that replace."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from etl.load import load_paths
from store.read import frame
from store.schema import fact_conversion, fact_staff_day


def test_stat_time_lands_on_the_china_date_whatever_the_machine_timezone(tmp_path: Path, tiny_bank: Path) -> None:
    db = tmp_path / "cascade.db"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "TZ": "America/Los_Angeles"}
    loaded = subprocess.run([sys.executable, "-m", "etl", "load", str(tiny_bank)], env=env,
                            capture_output=True, text=True, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    with sa.create_engine(f"sqlite:///{db}").connect() as connection:
        days = {row[0] for row in connection.execute(sa.select(fact_staff_day.c.day).distinct())}
    # 00:00 in China is still the previous evening in Los Angeles: the fact keeps its China day.
    assert days == {date(2026, 9, d) for d in (1, 2, 3)}


def test_a_redelivered_day_replaces_the_earlier_values_of_that_source(engine: sa.Engine, tiny_bank: Path, tmp_path: Path) -> None:
    load_paths(engine, [tiny_bank])
    corrected = tmp_path / "redelivery"
    corrected.mkdir()
    (corrected / "conversions_20260902.csv").write_text(
        "day,staff_id,department,kind,segment,product,count,amount\n"
        "2026-09-02,GD01001001,online,incremental,long_tail,card,1,0\n",
        encoding="utf-8",
    )
    load_paths(engine, [corrected])
    with engine.connect() as connection:
        rows = frame(connection, sa.select(fact_conversion).where(fact_conversion.c.day == date(2026, 9, 2)))
        other_days = connection.execute(
            sa.select(sa.func.count()).select_from(fact_conversion).where(fact_conversion.c.day != date(2026, 9, 2))
        ).scalar()
    assert list(rows["product"]) == ["card"]  # the day's earlier account and deposit rows are gone
    assert other_days == 4  # other days untouched
