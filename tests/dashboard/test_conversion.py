"""The conversion page on two weeks of the small demo bank, run headless with AppTest.

Every expectation is computed here, independently of the page, from store reads and the KPI
engine (kpi.metrics.compute_metrics over store.pages.unit_rollups)."""

from __future__ import annotations

import base64
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import periods
from kpi.metrics import compute_metrics
from kpi.registry import METRICS
from store import pages
from store.engine import make_engine

PAGE = "app_pages/conversion.py"
STAGES = ("contacts_added", "contacts_first_chat", "account_cnt", "funded_cnt", "wealth_cnt", "card_cnt")
SELL = STAGES[2:]
RATES = ("opening_rate", "funding_rate", "card_rate")
STEP_ZH = {"contacts_added": "加", "contacts_first_chat": "聊"}
SEGMENTS_ZH = {"long_tail": "长尾客户（<5万）", "mass_affluent": "大众富裕（5万–50万）",
               "wealth": "财富客户（50万–600万）", "private": "私行客户（≥600万）"}
KINDS_ZH = {"incremental": "新增客户", "stock": "存量客户"}
DEPARTMENTS_ZH = {"online": "网络金融部", "retail": "个人金融部"}


def open_page(at: AppTest, **params: str) -> AppTest:
    """Open the conversion page with `params` in its URL. The sidebar's shared choices go in
    before the first run (its widgets keep their state); the page's own (unit, split) after
    it, so the default page cannot act on them first."""
    own = {key: params.pop(key) for key in ("unit", "split") if key in params}
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    for key, value in own.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def header(metric: str) -> str:
    """The page's Chinese column header of a funnel stage."""
    return f"{STEP_ZH.get(metric, '卖')} · {METRICS[metric].name_zh}"


def default_period(url: str) -> periods.Period:
    first, last = pages.data_period(make_engine(url))
    return periods.default(first=first, last=last)


def engine_values(url: str, code: str, start: date, end: date, by: list[str]) -> pd.DataFrame:
    """The KPI engine's funnel over the unit's rollups, computed without the dashboard."""
    engine = make_engine(url)
    rows = pd.concat([pages.unit_rollups(engine, scope=pages.Scope("HO"), code=code, start=start, end=end, grain=g)
                      for g in ("behaviour", "customer", "conversion")], ignore_index=True)
    return compute_metrics(rows, metrics=[*STAGES, *RATES], period_start=start, period_end=end, by=by)


def percent(value: float) -> str:
    return "–" if np.isnan(value) else f"{value:.1%}"


def shown_table(at: AppTest, group_column: str) -> pd.DataFrame:
    return at.dataframe[0].value.set_index(group_column)


@pytest.mark.parametrize(("split", "group_column", "labels"), [
    ("segment", "客群", SEGMENTS_ZH),
    ("kind", "客户类型", KINDS_ZH),
])
def test_funnel_by_segment_and_kind_equals_the_kpi_engine(app: AppTest, demo_sqlite_url: str, split: str,
                                                          group_column: str, labels: dict[str, str]) -> None:
    open_page(app, split=split)
    period = default_period(demo_sqlite_url)
    expected = engine_values(demo_sqlite_url, "HO", period.start, period.end, ["unit_code", split])
    table = shown_table(app, group_column)
    for _, row in expected.iterrows():
        shown = table.loc[labels[row[split]]]
        for stage in STAGES:
            assert shown[header(stage)] == row[stage], (row[split], stage)
        for rate in RATES:
            assert shown[METRICS[rate].name_zh] == percent(row[rate]), (row[split], rate)
    # The chart shows the same numbers: one stacked trace per group, one bar per stage.
    funnel = json.loads(app.get("plotly_chart")[0].proto.spec)["data"]
    assert {trace["name"]: trace["x"] for trace in funnel} == {
        labels[row[split]]: [row[s] for s in STAGES] for _, row in expected.iterrows()}


def test_headline_rates_and_change_against_the_previous_week(app: AppTest, demo_sqlite_url: str) -> None:
    open_page(app, period="2026-W44")
    now = engine_values(demo_sqlite_url, "HO", date(2026, 10, 26), date(2026, 10, 31), ["unit_code"]).iloc[0]
    before = engine_values(demo_sqlite_url, "HO", date(2026, 10, 19), date(2026, 10, 25), ["unit_code"]).iloc[0]
    cards = {m.label: m for m in app.metric}
    for rate in RATES:
        card = cards[METRICS[rate].name_zh]
        assert card.value == percent(now[rate])
        assert card.proto.delta == f"{100 * (now[rate] - before[rate]):+.1f} 个百分点"
    assert any("2026-10-19" in c.value for c in app.caption)  # the period compared with


def test_department_split_of_sales_adds_up_to_the_total(app: AppTest, demo_sqlite_url: str) -> None:
    open_page(app)
    app.segmented_control(key="conversion-split").set_value("department").run()
    assert not app.exception
    assert app.query_params["split"] == "department"
    period = default_period(demo_sqlite_url)
    total = engine_values(demo_sqlite_url, "HO", period.start, period.end, ["unit_code"]).iloc[0]
    by_department = engine_values(demo_sqlite_url, "HO", period.start, period.end, ["unit_code", "department"])
    table = shown_table(app, "条线")
    departments = table.loc[list(DEPARTMENTS_ZH.values())]
    for stage in SELL:
        assert departments[header(stage)].sum() == table.loc["合计", header(stage)] == total[stage]
        for _, row in by_department.iterrows():
            assert table.loc[DEPARTMENTS_ZH[row["department"]], header(stage)] == row[stage]
    # Contacts are credited by the ownership matrix: the departments still add up to the total.
    credited = f"{header('contacts_added')}（按归属矩阵）"
    assert departments[credited].sum() == total["contacts_added"]
    # Contacts have no department, so the department funnel shows the sell stages only.
    funnel = json.loads(app.get("plotly_chart")[0].proto.spec)["data"]
    assert {trace["name"] for trace in funnel} == set(DEPARTMENTS_ZH.values())
    assert all(len(trace["x"]) == len(SELL) for trace in funnel)
    assert any("归属矩阵" in c.value for c in app.caption)


def test_a_unit_in_the_url_is_the_unit_shown_with_its_daily_trend(app: AppTest, demo_sqlite_url: str) -> None:
    open_page(app, unit="GD01", split="kind")
    period = default_period(demo_sqlite_url)
    expected = engine_values(demo_sqlite_url, "GD01", period.start, period.end, ["unit_code", "kind"])
    table = shown_table(app, "客户类型")
    for _, row in expected.iterrows():
        assert table.loc[KINDS_ZH[row["kind"]], header("account_cnt")] == row["account_cnt"]
    assert [b.label for b in app.button if b.key and b.key.startswith("crumb-")] == ["总行", "广东省分行"]
    # The daily stage lines add up to the period's funnel.
    lines = json.loads(app.get("plotly_chart")[1].proto.spec)["data"]
    added = next(trace["y"] for trace in lines if trace["name"] == header("contacts_added"))
    if isinstance(added, dict):  # plotly ships long arrays as typed binary
        added = np.frombuffer(base64.b64decode(added["bdata"]), dtype=added["dtype"])
    assert len(added) == period.days
    assert sum(added) == expected["contacts_added"].sum()


def test_english_switch_changes_the_labels(app: AppTest) -> None:
    open_page(app, lang="en")
    assert app.title[0].value == "Conversion funnel: add · chat · sell"
    assert "Account opening rate" in {m.label for m in app.metric}
    table = app.dataframe[0].value
    assert "Add · Contacts added" in table.columns
    assert "Long tail (<50k)" in table["Segment"].tolist()


def test_a_unit_outside_the_scope_is_refused_with_a_warning(app: AppTest) -> None:
    open_page(app, unit="XX99")
    assert any("XX99" in w.value for w in app.warning)
    assert app.query_params["unit"] == "HO"  # back at the scope's root
    assert app.caption[0].value.startswith("总行")
