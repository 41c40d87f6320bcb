"""The loader on a generated demo bank, run as an operator runs it (real processes)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from once import built_once
from dbstate import table_hashes
from store.engine import make_engine
from store.schema import etl_run


@pytest.fixture(scope="module")
def demo_bank(demo_inbox: Path) -> Path:
    return demo_inbox


@pytest.fixture(scope="module")
def clean_load(demo_bank: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """The demo bank loaded by `etl load` and its tables' hashes, once per run (tests/once.py):
    the tests read it, or copy it first."""
    def build(folder: Path) -> dict[str, str]:
        result = etl(["load", str(demo_bank)], folder / "cascade.db")
        assert result.returncode == 0, result.stdout + result.stderr
        return table_hashes(make_engine(f"sqlite:///{folder / 'cascade.db'}"), across_runs=True)

    folder, hashes = built_once(tmp_path_factory, "clean-load", build)
    return folder / "cascade.db", hashes


def etl(args: list[str], db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}"}
    return subprocess.run([sys.executable, "-m", "etl", *args], env=env, capture_output=True, text=True, timeout=600)


def test_seeded_bad_records_appear_in_rejects_with_their_reasons(demo_bank: Path, clean_load) -> None:  # noqa: ANN001
    db, _ = clean_load
    seeded = json.loads((demo_bank / "demo_manifest.json").read_text(encoding="utf-8"))["bad_records"]
    assert seeded, "the demo bank seeds bad records"
    listed = etl(["rejects"], db).stdout
    for record in seeded:
        line = next((row for row in listed.splitlines() if record["file"] in row and f" {record['line']} " in row), None)
        assert line is not None, f"{record['file']}:{record['line']} not in `etl rejects`"
        assert record["reason"] in line


@pytest.fixture(params=["sqlite", pytest.param("pg", marks=pytest.mark.postgres)])
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty store for a loader subprocess: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cascade.db'}"
        return
    from needs import PG_URL, pg_unavailable_reason, require_or_skip

    require_or_skip(pg_unavailable_reason())
    schema = f"cascade_crash_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.schema.CreateSchema(schema))
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.schema.DropSchema(schema, cascade=True))
    admin.dispose()


def test_a_killed_load_rerun_equals_a_clean_load(demo_bank: Path, clean_load, empty_store_url: str) -> None:  # noqa: ANN001
    _, clean = clean_load  # loaded into SQLite: PostgreSQL must end with the very same content
    env = {**os.environ, "DATABASE_URL": empty_store_url}
    assert subprocess.run([sys.executable, "-m", "etl", "init"], env=env, timeout=120).returncode == 0
    loader = subprocess.Popen([sys.executable, "-m", "etl", "load", str(demo_bank)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    engine = make_engine(empty_store_url)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and loaded_runs(engine) < 20:  # kill it mid-way through the facts
        time.sleep(0.05)
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    assert 0 < loaded_runs(engine), "the loader was killed before it loaded anything"
    rerun = subprocess.run([sys.executable, "-m", "etl", "load", str(demo_bank)], env=env,
                           capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert table_hashes(engine, across_runs=True) == clean


def loaded_runs(engine: sa.Engine) -> int:
    try:
        with engine.connect() as connection:
            return connection.execute(
                sa.select(sa.func.count()).select_from(etl_run).where(etl_run.c.status == "loaded")
            ).scalar()
    except sa.exc.OperationalError:  # the loader holds the write lock for a moment
        return 0


def test_a_second_load_of_the_same_folder_changes_nothing(demo_bank: Path, clean_load, tmp_path: Path) -> None:  # noqa: ANN001
    db, _ = clean_load
    copy = tmp_path / "cascade.db"
    shutil.copy(db, copy)
    before = table_hashes(make_engine(f"sqlite:///{copy}"))
    again = etl(["load", str(demo_bank)], copy)
    assert again.returncode == 0
    assert table_hashes(make_engine(f"sqlite:///{copy}")) == before  # strictly: timestamps too


def test_rollups_equal_direct_sums_of_the_facts_at_every_level(clean_load) -> None:  # noqa: ANN001
    from store.read import frame
    from store.schema import fact_conversion, fact_staff_day, rollup_day

    db, _ = clean_load
    engine = make_engine(f"sqlite:///{db}")
    with engine.connect() as connection:
        rollups = frame(connection, sa.select(rollup_day))
        behaviour = frame(connection, sa.select(fact_staff_day))
        conversions = frame(connection, sa.select(fact_conversion))
    direct = {
        "message_cnt": behaviour.groupby("day")["message_cnt"].sum(),
        "new_member_cnt": behaviour.groupby("day")["new_member_cnt"].sum(),
        "card_cnt": conversions[conversions["product"] == "card"].groupby("day")["count"].sum(),
        "wealth_amount": conversions[conversions["product"] == "wealth"].groupby("day")["amount"].sum().astype(float),
    }
    for level in ("head_office", "province", "branch", "outlet"):
        at_level = rollups[rollups["level"] == level].groupby("day")
        for component, expected in direct.items():
            got = at_level[component].sum().reindex(expected.index, fill_value=0)
            assert (got - expected).abs().max() < 0.01, f"{component} at {level}"
    # Every parent equals the sum of its children, for every component and day.
    keys = ["day", "department", "kind", "segment"]
    children = rollups.dropna(subset=["parent_code"]).groupby([*keys, "parent_code"]).sum(numeric_only=True)
    parents = rollups.set_index([*keys, "unit_code"]).rename_axis([*keys, "parent_code"])
    joined = children.join(parents.add_suffix("_parent"), how="inner")
    assert len(joined) > 0
    for component in direct:
        assert (joined[component] - joined[f"{component}_parent"]).abs().max() < 0.01
