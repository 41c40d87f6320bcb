"""`python -m bench` end to end on a tiny bank (the small bank, 2 days): every figure is in the
JSON, the naive path agrees with the dashboard, the table and results.md show each figure with
its budget; a load over its time limit is reported as such and the pages are not measured on
the half-loaded store."""

from __future__ import annotations

import ast
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import ROOT
from once import built_once

READ_PAGES = ["overview", "drilldown", "compare", "workload", "conversion"]
PERSONA_PAGES = {"executive": READ_PAGES, "branch_leader": READ_PAGES, "hr": ["targets", "incentives"],
                 "admin": ["health"]}
CASES = ["overview: adoption of the units below", "compare: outlet league inputs", "workload: per-staff metrics",
         "conversion: funnel by segment"]
STATUSES = {"PASS", "MISS", "INCOMPLETE", "SKIPPED", "—"}


def bench(data_dir: Path, out_dir: Path, *options: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "bench", "--scale", "small", "--days", "2", "--day-scale", "small",
               "--naive-runs", "1", "--data-dir", str(data_dir), "--out", str(out_dir), *options]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return built_once(tmp_path_factory, "bench-data", lambda _: None)[0]


@pytest.fixture(scope="module")
def finished(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The bench run end to end, once per test run (tests/once.py): a minute of two cores."""
    def build(out: Path) -> dict:
        done = bench(data_dir, out, "--load-timeout", "600")
        assert done.returncode == 0, done.stderr[-4000:]
        store = out / "loaded.db"  # kept: a later test reruns the bench into data_dir with a time limit
        with sqlite3.connect(data_dir / "small.db") as source, sqlite3.connect(store) as target:
            source.backup(target)
        return {"json": json.loads((out / "results.json").read_text(encoding="utf-8"))["runs"]["small-2d"],
                "md": (out / "results.md").read_text(encoding="utf-8"), "stdout": done.stdout, "store": str(store)}

    run = built_once(tmp_path_factory, "bench-run", build)[1]
    return {**run, "store": Path(run["store"])}


def test_every_load_figure_is_measured(finished: dict) -> None:
    run = finished["json"]
    sqlite = run["stores"]["sqlite"]
    for load in (sqlite["history"], sqlite["day"], run["national_day"]["base"], run["national_day"]["day"]):
        assert load["seconds"] > 0 and load["peak_rss_mb"] > 0 and load["consistent"], load
    # the last day is held back from the history and loaded on its own
    assert sqlite["history"]["last_day"] == "2026-10-30" and sqlite["day"]["last_day"] == "2026-10-31"
    assert run["bank"]["days"] == 2 and run["national_day"]["bank"]["days"] == 2


def test_every_persona_has_every_page_with_at_least_five_runs(finished: dict) -> None:
    measured = finished["json"]["stores"]["sqlite"]["pages"]
    assert {p: list(e["pages"]) for p, e in measured.items()} == PERSONA_PAGES
    assert measured["branch_leader"]["scope"] == "GD01" and measured["executive"]["period"] == "2026-10"
    for entry in measured.values():
        for timing in entry["pages"].values():
            assert len(timing["runs_ms"]) == 5
            assert 0 < timing["median_ms"] <= timing["p95_ms"] <= max(timing["runs_ms"])
            assert timing["steps_ms"]  # where the time went, call by call


def test_naive_and_real_agree_and_the_ratio_is_theirs(finished: dict) -> None:
    compared = finished["json"]["stores"]["sqlite"]["naive"]
    assert sorted(compared) == ["branch_leader", "executive"]
    for cases in compared.values():
        assert list(cases) == CASES
        for c in cases.values():
            assert c["agree"] is True and c["rows"] > 0
            assert c["naive_ms"] == pytest.approx(c["naive_read_ms"] + c["naive_group_ms"], abs=0.2)
            assert c["ratio"] == pytest.approx(c["naive_ms"] / c["real_ms"], rel=0.01)


def test_every_figure_has_a_budget_and_a_status_in_json_table_and_markdown(finished: dict) -> None:
    run, md, table = finished["json"], finished["md"], finished["stdout"]
    rows = run["figures"]
    assert len(rows) == 3 + 3 + 13 + 8  # loads, national day, pages, naive comparisons
    assert {r["status"] for r in rows} <= STATUSES
    budgeted = [r for r in rows if r["budget"] != "—"]
    assert len(budgeted) == 2 + 2 + 13 + 8 and all(r["status"] in ("PASS", "MISS", "INCOMPLETE") for r in budgeted)
    full = rows[0]  # a 2-day bank is judged on its pace over a year: never a PASS
    assert full["status"] in ("MISS", "INCOMPLETE") and "s a year at this pace" in full["shown"]
    for r in rows:
        assert r["figure"].strip() in md and r["shown"] in md
    assert run["verdict"] in md and run["verdict"] in table
    assert "small bank: 2 days" in table
    assert run["machine"]["cpus"] >= 1 and run["machine"]["ram_gb"] > 0
    assert {"pandas", "sqlalchemy", "streamlit"} <= set(run["versions"])
    assert f"{run['machine']['cpus']} CPUs" in md and "## How each figure is measured" in md


def test_a_run_records_how_fast_its_machine_was(finished: dict) -> None:
    # Figures of runs on different machines are only comparable beside these (bench.calibrate).
    speed = finished["json"]["reference"]
    assert set(speed) == {"json_lines_s", "pandas_groupby_s", "sqlite_insert_s", "total_s"}
    assert all(seconds > 0 for seconds in speed.values())
    assert speed["total_s"] == pytest.approx(sum(v for k, v in speed.items() if k != "total_s"), abs=0.005)
    assert f"{speed['total_s']:.2f} s (json lines {speed['json_lines_s']:.2f} s" in finished["md"]


def test_a_load_over_its_time_limit_is_reported_and_pages_are_skipped(data_dir: Path, finished: dict,
                                                                     tmp_path: Path) -> None:
    done = bench(data_dir, tmp_path, "--load-timeout", "1")  # the banks are cached by now
    assert done.returncode == 0, done.stderr[-4000:]
    run = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["runs"]["small-2d"]
    sqlite = run["stores"]["sqlite"]
    assert sqlite["history"]["timed_out"] and sqlite["history"]["seconds"] is None and sqlite["day"] is None
    assert "not consistent" in sqlite["skipped"] and "pages" not in sqlite
    load, national = run["figures"][0], [r for r in run["figures"] if r["group"] == "national day"][0]
    assert load["status"] == "MISS" and "stopped at" in load["shown"]
    assert national["status"] == "MISS" and run["national_day"]["day"] is None
    assert [r["status"] for r in run["figures"] if r["group"] == "pages"] == ["SKIPPED"]


@pytest.mark.parametrize(("days", "seconds", "status"), [
    (35, 250.0, "MISS"),  # ≈ 2,607 s a year at this pace
    (35, 25.0, "INCOMPLETE"),  # on pace, but a year was not loaded
    (365, 250.0, "PASS"), (365, 301.0, "MISS")])
def test_the_full_load_is_judged_over_a_year(days: int, seconds: float, status: str) -> None:
    from bench import figures

    load = {"seconds": seconds / 2, "peak_rss_mb": 100.0, "timed_out": False, "exit_code": 0}
    result = {"bank": {"days": days, "staff": 50_000}}
    rows = figures.load_rows(result, "sqlite", {"history": load, "day": load, "files": 10})
    assert rows[0]["status"] == status and rows[0]["budget"] == "≤ 300 s a year"
    assert ("a year at this pace" in rows[0]["shown"]) == (days < 365)


def test_a_naive_answer_that_differs_stops_the_benchmark() -> None:
    from bench.naive import NaiveMismatch, check

    real = pd.DataFrame({"unit_code": ["A", "B"], "name": ["甲", "乙"], "staff_cnt": [3, 4], "rate": [0.5, float("nan")]})
    check("same", real, real[["unit_code", "staff_cnt", "rate"]].iloc[::-1], key=["unit_code"])
    with pytest.raises(NaiveMismatch, match=r"staff_cnt at B: dashboard 4, naive 5"):
        check("one cell", real, real.assign(staff_cnt=[3, 5]), key=["unit_code"])
    with pytest.raises(NaiveMismatch, match=r"rows differ.*only naive \['C'\]"):
        check("rows", real, real.assign(unit_code=["A", "C"]), key=["unit_code"])


def test_postgres_unreachable_is_said_not_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    from bench import loads

    monkeypatch.setattr(loads, "PG_URL", "postgresql+psycopg://postgres@127.0.0.1:1/test")
    store, why = loads.fresh_postgres("cascade_bench_unreachable")
    assert store is None and "PostgreSQL unreachable at postgresql+psycopg://postgres@127.0.0.1:1/test" in why


def test_the_overview_adoption_metrics_are_the_pages() -> None:
    """bench/pages.py copies the overview script's ADOPTION (a script cannot be imported)."""
    def literal(path: Path, name: str) -> object:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
                return ast.literal_eval(node.value)
        raise AssertionError(f"{name} not found in {path}")

    assert literal(ROOT / "bench/pages.py", "ADOPTION") == literal(ROOT / "dashboard/app_pages/overview.py", "ADOPTION")


def test_pages_only_measures_every_page_of_a_loaded_store(finished: dict) -> None:
    store = finished["store"]
    done = subprocess.run([sys.executable, "-m", "bench", "--pages-only", f"sqlite:///{store}", "--runs", "5"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    lines = done.stdout.splitlines()
    assert lines[0].split()[:4] == ["persona", "scope", "page", "median"]
    shown = {(line.split()[0], line.split()[2]) for line in lines[1:]}
    assert shown == {(persona, page) for persona, pages in PERSONA_PAGES.items() for page in pages}


def test_the_floor_writes_every_row_the_loader_keeps(data_dir: Path, finished: dict, tmp_path: Path) -> None:
    """bench.floor is a floor only if it does at least the loader's writes: every relation,
    conversion and staff-day the loader kept is in its store too (it also keeps the bad rows
    the loader quarantines), and every step is timed."""
    from bench.floor import measure

    days = measure(data_dir / "small-7-2d" / "inbox", tmp_path / "floor.db", days=2)
    assert [d.stamp for d in days] == sorted(d.stamp for d in days) and len(days) == 2
    assert all(seconds > 0 for day in days for seconds in day.seconds.values())
    with sqlite3.connect(tmp_path / "floor.db") as floor, sqlite3.connect(finished["store"]) as loaded:
        for count in ("SELECT count(*) FROM fact_contact", "SELECT count(*) FROM fact_conversion",
                      "SELECT count(*) FROM fact_staff_day"):
            kept, written = loaded.execute(count).fetchone()[0], floor.execute(count).fetchone()[0]
            assert kept > 0 and written >= kept, count


def test_a_run_replaces_only_the_earlier_run_of_its_bank(finished: dict, tmp_path: Path) -> None:
    """A year's run and a quicker one of the same scale stand side by side in results.md; a
    file from before runs were keyed by their days is re-keyed, not lost."""
    from bench import report

    earlier = {**finished["json"], "days": 7}
    (tmp_path / "results.json").write_text(json.dumps({"runs": {"small": earlier}}, default=str), encoding="utf-8")
    run = {k: v for k, v in finished["json"].items() if k not in ("machine", "versions", "figures", "verdict")}
    report.write(run, finished["json"]["figures"], tmp_path)
    runs = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["runs"]
    assert list(runs) == ["small-7d", "small-2d"]
    report.write(run, finished["json"]["figures"], tmp_path)  # the same bank again: replaced
    assert list(json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))["runs"]) == ["small-7d", "small-2d"]
    assert (tmp_path / "results.md").read_text(encoding="utf-8").count("## small bank:") == 2
