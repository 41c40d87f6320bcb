"""The outlet comparison page on two weeks of the small demo bank, run headless with AppTest.

Every expectation is computed here from store + kpi, independently of the page's own reads."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard.charts import percent
from kpi.metrics import compute_metrics
from kpi.registry import METRICS
from kpi.scorecard import peer_groups
from store import pages
from store.engine import make_engine

HO = pages.Scope("HO")
MONTH = (date(2026, 10, 18), date(2026, 10, 31))  # 2026-10 clipped to the 14 demo days
WEEK, LAST_WEEK = (date(2026, 10, 26), date(2026, 10, 31)), (date(2026, 10, 19), date(2026, 10, 25))
SHARED = {"lang", "period", "dept"}
COUNTS = ("staff_cnt", "new_contact_cnt", "contacts_live", "account_cnt", "funded_cnt")
RATES = ("contact_enabled_rate", "active_staff_rate", "opening_rate", "funding_rate")


def open_compare(app: AppTest, **params: str) -> AppTest:
    """Open the page as a link would: the sidebar's shared choices (language, period) are
    read on the first run; the page's own ones after the switch, so the overview (the default
    page) does not act on them first."""
    for key in SHARED & params.keys():
        app.query_params[key] = params.pop(key)
    app.run()
    app.switch_page("app_pages/compare.py")
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception
    return app


def expected(url: str, under: str, days: tuple[date, date], metrics: tuple[str, ...]) -> pd.DataFrame:
    """Each outlet's metrics straight from the store's rollups and the KPI engine."""
    rows = pages.level_rollups(make_engine(url), scope=HO, level="outlet", under=under, start=days[0], end=days[1])
    return compute_metrics(rows, metrics=list(metrics), period_start=days[0], period_end=days[1],
                           by=["unit_code"]).set_index("unit_code")


def zh(metric: str) -> str:
    return METRICS[metric].name_zh


def league(app: AppTest) -> pd.DataFrame:
    return app.dataframe[0].value.set_index("代码")


def test_league_numbers_equal_the_kpi_engine(app: AppTest, demo_sqlite_url: str) -> None:
    open_compare(app, unit="GD")
    assert app.title[0].value == "网点对比：同规模网点排名"
    table = league(app)
    truth = expected(demo_sqlite_url, "GD", MONTH, (*COUNTS, *RATES, "contacts_per_manager"))
    assert sorted(table.index) == sorted(truth.index)
    for metric in COUNTS:
        assert table[zh(metric)].astype(int).to_dict() == truth[metric].round().astype(int).to_dict(), metric
    for metric in RATES:
        assert table[zh(metric)].to_dict() == truth[metric].map(percent).to_dict(), metric
    per_manager = truth["contacts_per_manager"].map(lambda v: "–" if pd.isna(v) else f"{v:,.1f}")
    assert table[zh("contacts_per_manager")].to_dict() == per_manager.to_dict()
    assert any("上期没有数据" in c.value for c in app.caption)  # September lies before the demo data


def test_ranks_start_at_one_within_each_peer_group_of_similar_size(app: AppTest, demo_sqlite_url: str) -> None:
    open_compare(app, unit="GD")
    table = league(app)
    staff = expected(demo_sqlite_url, "GD", MONTH, ("staff_cnt",))
    sized = staff.assign(size=staff["staff_cnt"].where(staff["staff_cnt"] > 0)).reset_index()
    groups = peer_groups(sized, size_column="size", n_groups=4).set_index("unit_code")["peer_group"]
    shown_groups = table["同规模组"].str.extract(r"第(\d)组")[0].astype(float)
    assert shown_groups.dropna().astype(int).to_dict() == groups.dropna().astype(int).to_dict()
    for _, members in table.groupby("同规模组"):
        ranks = members["组内名次"].astype(int)
        assert ranks.min() == 1
        by_score = members.sort_values("综合得分", ascending=False)
        assert by_score["组内名次"].astype(int).is_monotonic_increasing  # best score, best rank
    sizes = [staff.loc[members.index, "staff_cnt"] for _, members in table.groupby(shown_groups)]
    assert all(a.max() < b.min() for a, b in zip(sizes, sizes[1:]))  # groups do not overlap in size


def test_change_vs_last_period_is_the_engine_difference(app: AppTest, demo_sqlite_url: str) -> None:
    open_compare(app, unit="GD01", period="2026-W44")
    table = league(app)
    now = expected(demo_sqlite_url, "GD01", WEEK, ("active_staff_rate",))["active_staff_rate"]
    before = expected(demo_sqlite_url, "GD01", LAST_WEEK, ("active_staff_rate",))["active_staff_rate"]
    change = (now - before).map(lambda v: "–" if pd.isna(v) else f"{100 * v:+.1f}个百分点")
    assert table["较上期：员工活跃率"].to_dict() == change.to_dict()
    assert table["名次变化"].notna().all()
    assert any("上期：2026-10-19 至 2026-10-25" in c.value for c in app.caption)


def test_selected_outlet_shows_its_staff_adding_up_to_the_outlet(app: AppTest, demo_sqlite_url: str) -> None:
    open_compare(app, unit="GD01", outlet="GD01003")
    truth = expected(demo_sqlite_url, "GD01", MONTH, ("new_contact_cnt", "account_cnt"))
    staff = app.dataframe[1].value
    assert staff["新增客户数"].sum() == truth.loc["GD01003", "new_contact_cnt"]
    assert staff["开户数"].sum() == truth.loc["GD01003", "account_cnt"]
    assert staff["工号"].str.startswith("GD01003").all()
    link = app.get("page_link")[0]
    assert "unit=GD01003" in link.proto.query_string and link.proto.page.endswith("drilldown")
    app.selectbox(key="compare-outlet").set_value("GD01004").run()
    assert app.query_params["outlet"] == "GD01004"
    app.selectbox(key="compare-scope").set_value("GD02").run()
    assert app.query_params["unit"] == "GD02" and "outlet" not in app.query_params
    assert league(app).index.str.startswith("GD02").all()


def test_a_link_to_an_outlet_compares_it_within_its_branch(app: AppTest) -> None:
    open_compare(app, unit="GD01003")
    assert app.query_params["unit"] == "GD01" and app.query_params["outlet"] == "GD01003"
    assert league(app).index.str.startswith("GD01").all()


def test_english_switch_changes_the_labels(app: AppTest) -> None:
    open_compare(app, unit="GD01", lang="en")
    assert app.title[0].value == "Outlet comparison: ranks among outlets of similar size"
    columns = app.dataframe[0].value.columns
    assert {"Rank in group", "Size group", "Outlet", METRICS["opening_rate"].name_en} <= set(columns)


def test_a_unit_outside_the_scope_is_refused_not_shown(app: AppTest) -> None:
    open_compare(app, unit="XX99")
    assert any("XX99" in w.value for w in app.warning)
    assert app.query_params["unit"] == "HO"
    assert len(league(app)) > 100  # back at the scope's root: every outlet of the bank


def test_an_outlet_outside_the_comparison_is_refused(app: AppTest) -> None:
    open_compare(app, unit="GD01", outlet="SC01001")
    assert any("SC01001" in w.value for w in app.warning)
    assert "outlet" not in app.query_params
    assert len(app.dataframe) == 1  # no staff table
