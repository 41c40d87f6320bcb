"""The data health page under AppTest: on the demo bank its freshness, rejects and coverage
agree with counts taken straight from the store's tables; on hand-made stores it names a late
source and a failed load, and an empty store shows the empty state."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import PureWindowsPath

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from apptest_support import app_on, open_page as open_app_page
from dashboard.i18n import catalog
from store.schema import etl_run

PAGE = "app_pages/health.py"
ZH = catalog("zh-CN")


def open_page(app: AppTest, **params: str) -> AppTest:
    return open_app_page(app, PAGE, persona="admin", **params)


def table(app: AppTest, column: str) -> pd.DataFrame:
    """The first table on the page that has `column`."""
    return next(d.value for d in app.dataframe if column in d.value.columns)


def codes(labels: pd.Series) -> list[str]:
    """Source codes out of labels such as "客户联系关系 (contacts)"."""
    return [re.search(r"\((\w+)\)$", label)[1] for label in labels]


@pytest.fixture(scope="module")
def store(demo_sqlite_url: str) -> Iterator[sqlite3.Connection]:
    """The demo store read with plain SQL, independently of the page's reads."""
    connection = sqlite3.connect(demo_sqlite_url.removeprefix("sqlite:///"))
    yield connection
    connection.close()


def sql(store: sqlite3.Connection, query: str, *params: object) -> pd.DataFrame:
    return pd.read_sql_query(query, store, params=params)


@pytest.mark.parametrize(("lang", "headings"), [
    ("zh-CN", ["数据时效", "加载记录", "拒收明细", "数据覆盖"]),
    ("en", ["Freshness", "Load runs", "Rejected rows", "Coverage"]),
])
def test_the_page_shows_its_four_sections_and_exports_every_table(app: AppTest, lang: str, headings: list[str]) -> None:
    open_page(app, lang=lang)
    assert app.title[0].value == catalog(lang)["health.title"]
    assert [s.value for s in app.subheader] == headings
    tables = len(app.dataframe)
    assert tables >= 6  # freshness, runs, rejects, reject counts, silent staff, per outlet
    assert len(app.get("download_button")) == tables


def test_freshness_lists_every_loaded_source_with_its_newest_day(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    shown = table(app, ZH["health.col.state"])
    expected = sql(store, "SELECT source, MAX(CASE WHEN status = 'ok' THEN last_day END) AS newest, COUNT(*) AS runs "
                          "FROM etl_run GROUP BY source ORDER BY source")
    assert codes(shown[ZH["health.col.source"]]) == expected["source"].tolist()
    assert shown[ZH["health.col.runs"]].tolist() == expected["runs"].tolist()
    newest = [None if pd.isna(d) else date.fromisoformat(d) for d in expected["newest"]]
    assert shown[ZH["health.col.newest_day"]].tolist() == newest
    top = max(d for d in newest if d is not None)
    behind = [None if d is None else (top - d).days for d in newest]
    assert [None if pd.isna(v) else int(v) for v in shown[ZH["health.col.behind_newest"]]] == behind


def test_the_lateness_warning_names_the_sources_behind_the_newest_day(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    days = sql(store, "SELECT source, MAX(last_day) AS newest FROM etl_run WHERE status = 'ok' "
                      "AND last_day IS NOT NULL GROUP BY source")
    days["behind"] = (pd.to_datetime(days["newest"]).max() - pd.to_datetime(days["newest"])).dt.days
    assert (days["behind"] <= 1).all() and not app.warning  # at the default N=1 nothing is late
    app.number_input(key="hl-late-after").set_value(0).run()
    assert not app.exception
    behind = days.loc[days["behind"] > 0, "source"].tolist()
    assert behind  # the demo's monthly task file ends a day early: the test is not vacuous
    warning = app.warning[0].value
    assert warning.startswith(f"{len(behind)} 个数据源滞后超过 0 天")
    assert all(f"({source})" in warning for source in behind)
    assert all(f"({source})" not in warning for source in set(days["source"]) - set(behind))


def test_rejects_list_every_quarantined_row_with_file_line_column_and_reason(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    expected = sql(store, "SELECT j.file, j.line, j.\"column\", j.reason, r.source FROM etl_reject j "
                          "JOIN etl_run r ON r.id = j.run_id "
                          "WHERE j.run_id IN (SELECT MAX(id) FROM etl_run GROUP BY file)")
    assert len(expected) > 0
    expected["file"] = expected["file"].map(lambda p: PureWindowsPath(p).name)
    shown = table(app, ZH["health.col.line"])
    columns = [ZH[f"health.col.{c}"] for c in ("file", "line", "column", "reason")]
    assert sorted(map(tuple, shown[columns].astype(object).values.tolist())) == sorted(
        map(tuple, expected[["file", "line", "column", "reason"]].astype(object).values.tolist()))
    counts = table(app, ZH["health.col.rejects"])
    per_reason = dict(zip(zip(codes(counts[ZH["health.col.source"]]), counts[ZH["health.col.reason"]]),
                          counts[ZH["health.col.rejects"]], strict=True))
    assert per_reason == expected.groupby(["source", "reason"]).size().to_dict()


def test_rejects_filter_by_run_and_by_file(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    run_id = app.selectbox(key="hl-rej-run").options[1]  # the newest run with rejects
    run_id = int(re.match(r"#(\d+)", run_id)[1])
    app.selectbox(key="hl-rej-run").set_value(run_id).run()
    expected = sql(store, "SELECT line FROM etl_reject WHERE run_id = ? ORDER BY line", run_id)
    assert table(app, ZH["health.col.line"])[ZH["health.col.line"]].tolist() == expected["line"].tolist()
    app.selectbox(key="hl-rej-run").set_value(None).run()
    chosen = app.selectbox(key="hl-rej-file").options[1]
    app.selectbox(key="hl-rej-file").set_value(chosen).run()
    assert not app.exception
    assert set(table(app, ZH["health.col.line"])[ZH["health.col.file"]]) == {chosen}


def test_runs_are_newest_first_and_filter_by_status_and_source(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    runs = table(app, ZH["health.col.duration"])
    total = int(sql(store, "SELECT COUNT(*) AS n FROM etl_run")["n"][0])
    assert len(runs) == min(total, 200)
    assert runs[ZH["health.col.run"]].is_monotonic_decreasing
    assert (runs[ZH["health.col.duration"]] >= 0).all()
    app.multiselect(key="hl-run-source").set_value(["tasks"]).run()
    app.multiselect(key="hl-run-status").set_value(["ok"]).run()
    expected = sql(store, "SELECT id FROM etl_run WHERE source = 'tasks' AND status = 'ok' ORDER BY id DESC")
    assert table(app, ZH["health.col.duration"])[ZH["health.col.run"]].tolist() == expected["id"].tolist()


def test_coverage_counts_the_staff_without_data_like_plain_sql(app: AppTest, store: sqlite3.Connection) -> None:
    open_page(app)
    period = app.session_state["period"]
    on_roster = ("FROM staff s WHERE s.valid_from <= ? AND (s.valid_to IS NULL OR s.valid_to > ?)")
    no_data = "AND NOT EXISTS (SELECT 1 FROM fact_staff_day f WHERE f.staff_id = s.staff_id AND f.day BETWEEN ? AND ?)"
    bounds = (period.end.isoformat(), period.start.isoformat())
    total = sql(store, f"SELECT COUNT(DISTINCT staff_id) AS n {on_roster}", *bounds)["n"][0]
    silent = sql(store, f"SELECT DISTINCT staff_id {on_roster} {no_data}", *bounds, *bounds[::-1])["staff_id"]
    assert 0 < len(silent) < total
    values = {m.label: m.value for m in app.metric}
    assert values[ZH["health.roster_staff"]] == f"{total:,}"
    assert values[ZH["health.silent_staff"]] == f"{len(silent):,}"
    assert values[ZH["health.silent_share"]] == f"{len(silent) / total:.1%}"
    listed = table(app, ZH["health.col.staff_name"])
    assert sorted(listed[ZH["health.col.staff_id"]]) == sorted(silent)
    per_outlet = table(app, ZH["health.col.silent_share"])
    assert per_outlet[ZH["health.col.silent_staff"]].sum() == len(silent)
    assert per_outlet[ZH["health.col.roster_staff"]].sum() == total


def test_english_labels(app: AppTest) -> None:
    open_page(app, lang="en")
    assert {"Staff on the roster", "Staff with no data", "Share with no data"} <= {m.label for m in app.metric}
    assert any("Staff ID" in d.value.columns for d in app.dataframe)
    assert "Customer contacts (contacts)" in table(app, "Freshness")["Source"].tolist()


def run_row(run_id: int, source: str, status: str, last_day: date | None) -> dict:
    started = datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc) + timedelta(minutes=run_id)
    return {"id": run_id, "source": source, "file": f"/inbox/{source}_{run_id}.csv", "checksum": str(run_id),
            "status": status, "first_day": last_day, "last_day": last_day, "started_at": started,
            "finished_at": started + timedelta(seconds=3),
            "message": f"{source}_{run_id}.csv: missing column(s): day" if status == "failed" else None}


@pytest.fixture
def behind_app(sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """A store with loads only (no rollups yet): tasks four days behind, interceptions never
    loaded successfully."""
    with sqlite_engine.begin() as connection:
        connection.execute(sa.insert(etl_run), [
            run_row(1, "contacts", "ok", date(2026, 10, 31)), run_row(2, "conversions", "ok", date(2026, 10, 30)),
            run_row(3, "tasks", "ok", date(2026, 10, 27)), run_row(4, "interceptions", "failed", None)])
    yield from app_on(str(sqlite_engine.url), monkeypatch)


def test_a_late_source_and_a_failed_load_are_named(behind_app: AppTest) -> None:
    open_page(behind_app)
    warning = behind_app.warning[0].value
    assert "任务 (tasks)" in warning and "合规拦截 (interceptions)" in warning
    assert "(contacts)" not in warning and "(conversions)" not in warning  # one day behind is within N=1
    assert "interceptions_4.csv" in behind_app.error[0].value
    status = table(behind_app, ZH["health.col.duration"]).set_index(ZH["health.col.run"])[ZH["health.col.status"]]
    assert status[4] == "✖ 失败" and status[1] == "成功"
    assert any(ZH["empty.title"] in i.value for i in behind_app.info)  # coverage needs loaded data


def test_an_empty_store_shows_the_empty_state(sqlite_engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    app = next(app_on(str(sqlite_engine.url), monkeypatch))
    open_page(app)
    assert any(ZH["empty.title"] in i.value for i in app.info)
    assert not app.dataframe
