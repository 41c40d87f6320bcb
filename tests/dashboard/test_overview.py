"""The overview page on the tiny bank, run headless with Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kpi.metrics import compute_metrics
from store import pages
from store.engine import make_engine
from apptest_support import app_on

@pytest.fixture
def app(tiny_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The overview's numbers are checked by hand: the tiny bank, not the demo one."""
    yield from app_on(tiny_sqlite_url, monkeypatch)


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def crumbs(at: AppTest) -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith("crumb-")]


def test_overview_shows_head_office_adoption_in_chinese(app: AppTest) -> None:
    app.run()
    assert not app.exception
    assert app.title[0].value == "推广总览"
    values = metric_values(app)
    assert values["客户联系开通率"] == "66.7%"  # 2 of 3 staff enabled on the period's last day
    assert values["新增客户数"] == "21"
    assert values["企微客户数"] == "6"  # live relations at the period end, never summed over days


def test_numbers_on_the_page_equal_the_kpi_engine(app: AppTest, tiny_sqlite_url: str) -> None:
    app.query_params["unit"] = "GD01"
    app.run()
    engine = make_engine(tiny_sqlite_url)
    start, end = date(2026, 9, 1), date(2026, 9, 3)
    rows = pages.unit_rollups(engine, scope=pages.Scope("HO"), code="GD01", start=start, end=end)
    expected = compute_metrics(
        rows, metrics=["active_staff_rate", "new_contact_cnt"], period_start=start, period_end=end
    ).iloc[0]
    values = metric_values(app)
    assert values["员工活跃率"] == f"{expected['active_staff_rate']:.1%}"
    assert values["新增客户数"] == f"{expected['new_contact_cnt']:,.0f}"
    table = app.dataframe[0].value.set_index("代码")
    # GD01002 merged into GD01001 on the period's last day: its flows stay where they
    # happened, and its period-end snapshot is empty, so children add up to the parent.
    assert table.loc["GD01002", "新增客户"] == 4
    assert table.loc["GD01002", "在册员工"] == 0
    assert table.loc["GD01001", "在册员工"] == 3
    assert table["新增客户"].sum() == expected["new_contact_cnt"]


def test_drill_path_lives_in_the_url(app: AppTest) -> None:
    app.query_params["unit"] = "GD"
    app.run()
    assert crumbs(app) == ["总行"]  # breadcrumb: the level above is a button
    app.selectbox(key="drill-GD").set_value("GD01").run()
    assert app.query_params["unit"] == "GD01"
    assert crumbs(app) == ["总行", "广东省分行"]
    assert app.dataframe[0].value["代码"].tolist() == ["GD01001", "GD01002"]
    app.button(key="crumb-GD").click().run()  # back up one level
    assert app.query_params["unit"] == "GD"


def test_english_switch_changes_every_label(app: AppTest) -> None:
    app.run()
    app.radio(key="language_choice").set_value("en").run()
    assert app.title[0].value == "Rollout overview"
    assert "Contact-enabled rate" in metric_values(app)
    assert "Unit" in app.dataframe[0].value.columns


def test_a_unit_outside_the_bank_is_refused_not_shown(app: AppTest) -> None:
    app.query_params["unit"] = "XX99"
    app.run()
    assert not app.exception
    assert any("XX99" in w.value for w in app.warning)
    assert metric_values(app)["新增客户数"] == "21"  # back at the scope's root


def test_the_s_curve_is_read_from_rollup_days_index_alone() -> None:
    """The S-curve's terms are the columns rollup_day's level and parent indexes hold: a curve
    of another metric would look up 11,000 wide rows a year in the table (84 ms, not 38)."""
    from dashboard import overview_view
    from kpi.registry import get_metric
    from store.schema import TREND_COLUMNS

    assert {term.component for term in get_metric(overview_view.S_CURVE).terms} <= set(TREND_COLUMNS)
