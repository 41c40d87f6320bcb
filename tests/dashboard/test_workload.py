"""The workload page on the small demo bank, run headless with Streamlit's AppTest: its counts,
flags and bins are the KPI engine's (kpi.workload over kpi.staff over store.staff_reads)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import open_page as open_app_page
from dashboard.i18n import catalog
from kpi.staff import staff_metrics
from kpi.workload import DEFAULTS, FLAGS, IDLE_RULES, OVERLOAD_RULES, Thresholds, by_workload, flag
from store.engine import make_engine
from store.pages import Scope
from store.staff_reads import subtree_staff

PAGE = "app_pages/workload.py"
START, END = date(2026, 10, 18), date(2026, 10, 31)  # the default month, clipped to the demo's 14 days
DAYS = 14


@pytest.fixture(scope="module")
def expected_staff(demo_sqlite_url: str) -> dict[str, pd.DataFrame]:
    """Per-staff metrics straight from store and kpi, memoised per unit."""
    engine, found = make_engine(demo_sqlite_url), {}

    def read(unit: str) -> pd.DataFrame:
        if unit not in found:
            bundle = subtree_staff(engine, scope=Scope("HO"), under=unit, start=START, end=END)
            found[unit] = staff_metrics(bundle, start=START, end=END)
        return found[unit]

    return read  # type: ignore[return-value]


def open_page(app: AppTest, **params: str) -> AppTest:
    return open_app_page(app, PAGE, **params)


def metric_values(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def flagged_ids(app: AppTest, id_column: str = "工号") -> list[list[str]]:
    """Staff IDs of each flagged-staff table on the page, in page order."""
    return [d.value[id_column].tolist() for d in app.dataframe if id_column in d.value.columns]


def expectation(staff: pd.DataFrame, role: str | None, thresholds: Thresholds = DEFAULTS) -> pd.DataFrame:
    flagged = flag(staff, days=DAYS, thresholds=thresholds)
    return flagged if role is None else flagged[flagged["role"] == role]


def id_lists(flagged: pd.DataFrame) -> list[list[str]]:
    return [flagged[flagged[w]].sort_values(["outlet_code", "staff_id"])["staff_id"].tolist()
            for w in ("overloaded", "idle") if flagged[w].any()]


def test_counts_flags_and_bins_equal_the_kpi_engine_at_head_office(app: AppTest, expected_staff) -> None:  # noqa: ANN001
    open_page(app)
    assert app.title[0].value == "员工负荷：分布、预警与转化"
    managers = expectation(expected_staff("HO"), "customer_manager")  # the default role
    values = metric_values(app)
    assert values["员工数"] == f"{len(managers):,}"
    assert values["已开通客户联系"] == f"{int(managers['contact_enabled'].sum()):,}"
    assert values["超负荷员工"] == f"{int(managers['overloaded'].sum()):,}"
    assert values["闲置员工"] == f"{int(managers['idle'].sum()):,}"
    assert flagged_ids(app) == id_lists(managers)
    assert managers["idle"].any()  # the demo has idle managers: the comparison is not vacuous
    # Five workload bins of new contacts per day against accounts opened (the defaults).
    bins = by_workload(managers, x="new_contacts_per_day", y="account_cnt", bins=5)
    table = next(d.value for d in app.dataframe if "工作量分组" in d.value.columns)
    assert table["人数"].tolist() == bins["staff"].tolist()
    assert table["人均开户数"].tolist() == pytest.approx(bins["y_per_staff"].round(2).tolist())


def test_changing_a_threshold_changes_the_flagged_list(app: AppTest, expected_staff) -> None:  # noqa: ANN001
    open_page(app)
    before = metric_values(app)["超负荷员工"]
    app.number_input(key="wl-th-new_per_day").set_value(3.0).run()
    assert not app.exception
    managers = expectation(expected_staff("HO"), "customer_manager", Thresholds(new_per_day=3.0))
    assert metric_values(app)["超负荷员工"] == f"{int(managers['overloaded'].sum()):,}" != before
    assert flagged_ids(app) == id_lists(managers)
    reasons = next(d.value for d in app.dataframe if "预警原因" in d.value.columns)["预警原因"]
    assert reasons.str.contains("日均新增客户").any() and reasons.str.contains("≥ 3.0").any()


def test_unit_and_role_in_the_url_choose_the_subtree_and_role(app: AppTest, expected_staff) -> None:  # noqa: ANN001
    open_page(app, unit="GD01", role="all")
    everyone = expectation(expected_staff("GD01"), None)
    assert metric_values(app)["员工数"] == f"{len(everyone):,}"
    assert metric_values(app)["闲置员工"] == f"{int(everyone['idle'].sum()):,}"
    assert app.selectbox(key="wl-unit-GD01").value == "GD01"
    assert app.selectbox(key="wl-role").value == "all"
    app.selectbox(key="wl-unit-GD01").set_value("GD01001").run()  # pick an outlet below
    assert app.query_params["unit"] == "GD01001"
    assert metric_values(app)["员工数"] == f"{len(expectation(expected_staff('GD01001'), None)):,}"


def test_english_switch_changes_the_labels(app: AppTest) -> None:
    open_page(app, lang="en")
    assert app.title[0].value == "Staff workload: distribution, flags and conversion"
    assert {"Staff", "Overloaded staff", "Idle staff"} <= set(metric_values(app))
    assert "Customer manager" in app.selectbox(key="wl-role").options
    assert any("Staff ID" in d.value.columns for d in app.dataframe)


@pytest.mark.parametrize("unit", ["XX99", "'; DROP TABLE staff;--"])
def test_a_unit_outside_the_scope_is_refused_not_shown(app: AppTest, expected_staff, unit: str) -> None:  # noqa: ANN001
    open_page(app, unit=unit)
    assert any(unit in w.value for w in app.warning)
    assert app.query_params["unit"] == "HO"
    managers = expectation(expected_staff("HO"), "customer_manager")
    assert metric_values(app)["员工数"] == f"{len(managers):,}"  # back at the scope's root


def test_every_key_the_page_builds_at_run_time_exists_in_both_languages() -> None:
    keys = ([f"workload.role.{r}" for r in ("customer_manager", "wealth_manager", "outlet_head", "branch_head", "teller", "back_office")]
            + [f"workload.th.{f.name}" for f in fields(Thresholds)]
            + [f"workload.reason.{r}" for r in (*OVERLOAD_RULES, *IDLE_RULES)]
            + [f"workload.flag.{f}" for f in FLAGS])
    for language in ("zh-CN", "en"):
        assert set(keys) - set(catalog(language)) == set(), language
