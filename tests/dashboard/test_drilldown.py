"""The drill-down page on two weeks of the small demo bank, run headless with AppTest.

Every expectation is computed here independently, from store reads and the KPI engine, and
compared with what the page shows."""

from __future__ import annotations


import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import drilldown_view as view
from dashboard import widgets
from dashboard.charts import percent
from kpi.metrics import compute_metrics
from kpi.registry import METRICS
from kpi.staff import staff_metrics
from store import pages
from store.engine import make_engine
from store.staff_reads import subtree_staff

PAGE = "app_pages/drilldown.py"
HO = pages.Scope("HO")


@pytest.fixture(scope="module")
def engine(demo_sqlite_url: str):  # noqa: ANN201 - a SQLAlchemy Engine
    engine = make_engine(demo_sqlite_url)
    yield engine
    engine.dispose()


def open_page(at: AppTest, **params: str) -> AppTest:
    """Open the app, then the drill-down page with `params` in its URL (the default page
    must not see them first: it would answer a bad unit itself)."""
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    at.switch_page(PAGE).run()
    assert not at.exception
    return at


def metric_values(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_levels(engine, level: str, under: str, period, department: str | None = None) -> pd.DataFrame:  # noqa: ANN001
    rows = pages.level_rollups(engine, scope=HO, level=level, under=under, start=period.start, end=period.end)
    return compute_metrics(rows, metrics=list(view.CHILD_METRICS), period_start=period.start,
                           period_end=period.end, by=["unit_code"], department=department).set_index("unit_code")


def expected_unit(engine, code: str, period, department: str | None = None) -> pd.Series:  # noqa: ANN001
    rows = pd.concat([pages.unit_rollups(engine, scope=HO, code=code, start=period.start, end=period.end,
                                         grain=g) for g in ("behaviour", "customer", "conversion")],
                     ignore_index=True)
    return compute_metrics(rows, metrics=list(view.HEADLINE), period_start=period.start, period_end=period.end,
                           by=["unit_code"], department=department).iloc[0]


def assert_table_matches(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Every KPI cell of the children's table equals the engine's value for that child."""
    table = table.set_index("代码")
    assert sorted(table.index) == sorted(expected.index)
    for name in view.TABLE_METRICS:
        shown, truth = table[METRICS[name].name_zh], expected.loc[table.index, name]
        if METRICS[name].unit == "ratio":
            assert shown.tolist() == truth.map(percent).tolist(), name
        elif METRICS[name].unit == "CNY":
            assert shown.tolist() == pytest.approx(truth.round(2).tolist()), name
        else:
            assert shown.astype(int).tolist() == truth.round().astype(int).tolist(), name


def test_head_office_children_equal_the_kpi_engine(app: AppTest, engine) -> None:  # noqa: ANN001
    open_page(app)
    period = app.session_state["period"]
    assert app.title[0].value == "层级下钻：机构 → 下级 → 员工"
    assert_table_matches(app.dataframe[0].value, expected_levels(engine, "province", "HO", period))
    truth, shown = expected_unit(engine, "HO", period), metric_values(app)
    assert shown["在册员工数"] == f"{truth['staff_cnt']:,.0f}"
    assert shown["客户联系开通率"] == percent(truth["contact_enabled_rate"])
    assert shown["员工活跃率"] == percent(truth["active_staff_rate"])
    assert shown["新增客户数"] == f"{truth['new_contact_cnt']:,.0f}"
    assert shown["企微客户数"] == f"{truth['contacts_live']:,.0f}"
    assert shown["入金金额"] == view.money(truth["deposit_amount"], "zh-CN")


def test_a_branch_in_the_url_shows_its_outlets_under_a_department(app: AppTest, engine) -> None:  # noqa: ANN001
    open_page(app, unit="GD01", dept="online")
    period = app.session_state["period"]
    assert [b.label for b in app.button if b.key and b.key.startswith("crumb-")] == ["总行", "广东省分行"]
    assert_table_matches(app.dataframe[0].value, expected_levels(engine, "outlet", "GD01", period, "online"))
    assert metric_values(app)["开户数"] == f"{expected_unit(engine, 'GD01', period, 'online')['account_cnt']:,.0f}"


def test_an_outlet_shows_its_staff_adding_up_to_the_outlet(app: AppTest, engine) -> None:  # noqa: ANN001
    open_page(app, unit="GD01001")
    period = app.session_state["period"]
    outlet = expected_unit(engine, "GD01001", period)
    staff = app.dataframe[0].value
    people = staff_metrics(subtree_staff(engine, scope=HO, under="GD01001", start=period.start, end=period.end),
                           start=period.start, end=period.end)
    assert sorted(staff["工号"]) == sorted(people["staff_id"])
    assert staff["新增客户数"].sum() == outlet["new_contact_cnt"] > 0
    assert staff["开户数"].sum() == outlet["account_cnt"]
    assert staff["企微客户数"].sum() == outlet["contacts_live"]
    assert metric_values(app)["新增客户数"] == f"{outlet['new_contact_cnt']:,.0f}"
    assert set(staff["岗位"]) <= {"客户经理", "理财经理", "网点负责人", "柜员", "后台人员"}
    assert [b.label for b in app.button if b.key and b.key.startswith("crumb-")] == ["总行", "广东省分行", "广州分行"]


def test_staff_sales_follow_the_department_filter(app: AppTest, engine) -> None:  # noqa: ANN001
    open_page(app, unit="GD01001", dept="retail")
    outlet = expected_unit(engine, "GD01001", app.session_state["period"], "retail")
    staff = app.dataframe[0].value
    assert staff["开户数"].sum() == outlet["account_cnt"]
    assert staff["入金金额"].sum() == pytest.approx(outlet["deposit_amount"])


def test_drilling_down_and_back_up_changes_the_unit_in_the_url(app: AppTest) -> None:
    open_page(app, unit="GD")
    picker = next(s for s in app.selectbox if s.key.startswith("drill-GD-"))
    picker.set_value("GD01").run()
    assert app.query_params["unit"] == "GD01"
    assert app.dataframe[0].value["代码"].str.startswith("GD01").all()
    app.button(key="crumb-HO").click().run()
    assert app.query_params["unit"] == "HO"
    assert app.dataframe[0].value["代码"].tolist() == ["GD", "HB", "JS", "SC", "SD", "ZJ"]


def test_the_chart_choices_live_in_the_url(app: AppTest) -> None:
    open_page(app, metric="deposit_amount", size="contacts_live", colour="=cmd|'/c calc'!A1")
    assert app.selectbox(key="metric-deposit_amount").value == "deposit_amount"
    assert app.selectbox(key="size-contacts_live").value == "contacts_live"
    assert app.selectbox(key="colour-active_staff_rate").value == "active_staff_rate"  # a bad value: the default
    app.selectbox(key="metric-deposit_amount").set_value("funded_cnt").run()
    assert app.query_params["metric"] == "funded_cnt"
    assert app.selectbox(key="metric-funded_cnt").value == "funded_cnt"


def test_english_switch_changes_the_labels(app: AppTest) -> None:
    open_page(app, lang="en")
    assert app.title[0].value == "Hierarchy drill-down: unit → children → staff"
    assert "Contact-enabled rate" in metric_values(app)
    assert {"Unit", "Code", "Staff on roster"} <= set(app.dataframe[0].value.columns)
    assert app.dataframe[0].value["Unit"].tolist()[0] == "Guangdong Branch"


def test_a_unit_outside_the_scope_is_refused_with_a_warning(app: AppTest, engine) -> None:  # noqa: ANN001
    open_page(app, unit="XX99")
    assert any("XX99" in w.value for w in app.warning)
    period = app.session_state["period"]
    assert metric_values(app)["在册员工数"] == f"{expected_unit(engine, 'HO', period)['staff_cnt']:,.0f}"
    assert app.query_params["unit"] == "HO"  # the link now names the view it shows


def test_a_click_on_a_bar_or_a_cell_picks_a_child_but_never_the_root() -> None:
    bar = {"selection": {"points": [{"customdata": ["GD01"], "x": 0.5}]}}
    cell = {"selection": {"points": [{"id": "GD02", "parent": "GD", "label": "深圳"}]}}
    root = {"selection": {"points": [{"id": "GD", "parent": ""}]}}
    assert view.picked_unit([None, bar], ["GD01", "GD02"]) == "GD01"
    assert view.picked_unit([{"selection": {"points": []}}, cell], ["GD01", "GD02"]) == "GD02"
    assert view.picked_unit([root, None], ["GD01", "GD02"]) is None


def test_names_never_render_as_markup() -> None:
    assert widgets.plain("**x** [a](http://e)") == "&#42;&#42;x&#42;&#42; &#91;a&#93;&#40;http&#58;&#47;&#47;e&#41;"
    assert view.money(-91_744_742, "zh-CN", signed=True) == "-9,174 万元"
    assert view.money(1_234_567, "en") == "¥1.23M"
    assert view.change("contact_enabled_rate", 0.5, 0.45) == "+5.0 pp"
    assert view.display("coverage_rate", float("nan")) == "–"
