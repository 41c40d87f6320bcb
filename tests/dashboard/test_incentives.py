"""The incentives what-if page on the small demo bank under AppTest: it renders in both
languages, its budget is an independent kpi.incentives.what_if computation, the multiplier
moves the budget the right way, a scenario saves as draft versions with its reason, and a save
based on versions another session changed since is refused naming who and when."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import APP, app_on, open_page as open_app_page
from dashboard.incentives_view import DEMO_BASE, DEMO_CURVES
from kpi.allocation import allocate
from kpi.calendar import elapsed_and_total
from kpi.incentives import what_if
from kpi.staff import staff_metrics
from store.engine import make_engine
from kpi.incentives import PayoutCurve
from store.incentives import approve_curves, curve_history, save_curve_draft
from store.pages import Scope, units_on
from store.staff_reads import subtree_staff
from store.targets import Change, approve, audit_trail, read_targets, save_changes

PAGE = "app_pages/incentives.py"
START, END = date(2026, 10, 18), date(2026, 10, 31)  # the demo's 14 days


def open_page(app: AppTest, **params: str) -> AppTest:
    return open_app_page(app, PAGE, **params)


def money(app: AppTest, label: str) -> float:
    value = next(m.value for m in app.metric if m.label == label)
    return float(value.replace("¥", "").replace(",", ""))


def count(app: AppTest, label: str) -> int:
    return int(next(m.value for m in app.metric if m.label == label).replace(",", ""))


def key_of(app: AppTest, prefix: str) -> str:
    return next(k for k in app.session_state._state._state.filtered_state if str(k).startswith(prefix))


def set_multiplier(app: AppTest, value: float) -> AppTest:
    next(s for s in app.slider if s.key.startswith("inc-mult-")).set_value(value).run()
    assert not app.exception, app.exception
    return app


def save(app: AppTest, reason: str) -> AppTest:
    app.text_input(key="inc-reason").input(reason)
    next(b for b in app.button if b.label in ("Save as draft", "保存为草稿")).click().run()
    assert not app.exception, app.exception
    return app


@pytest.fixture
def writable_url(demo_sqlite_url: str, tmp_path: Path) -> str:
    """A private copy of the demo store (the session's one is read-only)."""
    copy = tmp_path / "cascade.db"
    with sqlite3.connect(demo_sqlite_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture
def writable_app(writable_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    yield from app_on(writable_url, monkeypatch)


def test_the_page_renders_in_chinese_and_in_english(app: AppTest) -> None:
    open_page(app)
    assert app.title[0].value == "激励测算（假设分析）"
    assert money(app, "激励预算（已审批方案）") > 0
    assert money(app, "激励预算（测算方案）") == money(app, "激励预算（已审批方案）")  # nothing changed yet
    infos = " ".join(i.value for i in app.info)
    assert "尚无已审批方案：与当前草稿目标对比" in infos and "演示默认值" in infos
    app.query_params["lang"] = "en"
    app.run()
    assert not app.exception
    assert app.title[0].value == "Incentives what-if"
    assert "No approved plan yet: comparing with current drafts." in [i.value for i in app.info]
    assert {t.label for t in app.tabs} >= {"By role", "By province", "By branch"}


def independent_budget(url: str, *, multiplier: float, curves: dict = DEMO_CURVES, base: dict = DEMO_BASE) -> pd.Series:
    """The 2026Q4 account-opening payout budget at head office, from the store and kpi alone:
    each province's target shared evenly among its managers with kpi.allocation, the run-rate
    from kpi.calendar, priced by kpi.incentives.what_if with the demo curves."""
    engine = make_engine(url)
    staff = staff_metrics(subtree_staff(engine, scope=Scope("HO"), under="HO", start=START, end=END), start=START, end=END)
    staff = staff[staff["role"].isin(["customer_manager", "wealth_manager"]) & (staff["wecom_status"] != 5)]
    units = units_on(engine, day=END)
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    province = {o: parent[parent[o]] for o in staff["outlet_code"]}  # outlet → branch → province
    cells = read_targets(engine, period="2026Q4")
    totals = cells[cells["kpi"] == "account_cnt"].groupby("unit_code")["value"].sum()
    rows = staff.assign(province=staff["outlet_code"].map(province)).sort_values("staff_id")
    shares = {}
    for plan, factor in (("target", 1.0), ("scenario", multiplier)):
        for code, mine in rows.groupby("province"):
            result = allocate(float(np.floor(totals[code] * factor + 0.5)), pd.DataFrame({"child": mine["staff_id"]}))
            shares.setdefault(plan, {}).update(dict(zip(result.frame["child"], result.frame["value"], strict=True)))
    elapsed, total = elapsed_and_total(date(2026, 10, 1), date(2026, 12, 31), END)
    priced = pd.DataFrame({
        "staff_id": rows["staff_id"], "role": rows["role"], "base_amount": rows["role"].map(base),
        "target": rows["staff_id"].map(shares["target"]).astype(float),
        "forecast": rows["account_cnt"] * total / elapsed,
    })
    change = pd.DataFrame({"staff_id": rows["staff_id"], "target": rows["staff_id"].map(shares["scenario"]).astype(float)})
    result = what_if(priced, curves=curves, target_change=change)
    return pd.concat([result.budget.iloc[0], result.crossings["change"].value_counts()])


def test_the_scenario_budget_equals_an_independent_what_if(app: AppTest, demo_sqlite_url: str) -> None:
    open_page(app, lang="en", tperiod="2026Q4", kpi="account_cnt")
    set_multiplier(app, 0.9)
    expected = independent_budget(demo_sqlite_url, multiplier=0.9)
    assert money(app, "Payout budget, approved plan") == round(expected["baseline"])
    assert money(app, "Payout budget, scenario") == round(expected["scenario"])
    assert count(app, "Cross the threshold") == expected.get("crosses_threshold", 0) > 0
    assert count(app, "Fall below the threshold") == expected.get("falls_below", 0)
    # The distribution by province adds up to the same budget.
    by_province = next(d.value for d in app.dataframe if "Province" in d.value.columns)
    assert by_province["Budget, scenario (CNY)"].sum() == pytest.approx(expected["scenario"], abs=0.1)
    assert len(by_province) == 6


def test_the_baseline_is_the_approved_plan_and_the_scenario_starts_from_current_drafts(
        writable_app: AppTest, writable_url: str) -> None:
    engine = make_engine(writable_url)
    cells = read_targets(engine, period="2026Q4")
    cells = cells[cells["kpi"] == "account_cnt"]
    approve(engine, versions=dict.fromkeys(cells["id"].astype(int), 1), by="director", reason="Q4 plan")
    curves = {"customer_manager": PayoutCurve(role="customer_manager", threshold=0.5, threshold_payout=0.2),
              "wealth_manager": PayoutCurve(role="wealth_manager", threshold=0.8, accelerator=1.0)}
    base = {"customer_manager": 5000.0, "wealth_manager": 6000.0}
    stored = pd.DataFrame([{**c.model_dump(), "base_amount": base[r], "based_on": 0} for r, c in curves.items()])
    save_curve_draft(engine, curves=stored, by="hr.li", reason="2026 plan")
    approve_curves(engine, versions={"customer_manager": 1, "wealth_manager": 1}, by="director", reason="signed off")
    expected = independent_budget(writable_url, multiplier=1.0, curves=curves, base=base)
    # After approval, GD's targets are doubled as a draft: the plan keeps the approved values.
    gd = cells[cells["unit_code"] == "GD"]
    save_changes(engine, changes=[Change(int(r.id), 2 * r.value, 2) for r in gd.itertuples()], by="hr.li", reason="what if")
    app = open_page(writable_app, lang="en", tperiod="2026Q4", kpi="account_cnt")
    infos = " ".join(i.value for i in app.info)
    assert "No approved plan yet" not in infos and "demo defaults" not in infos
    assert money(app, "Payout budget, approved plan") == round(expected["baseline"])
    assert money(app, "Payout budget, scenario") < money(app, "Payout budget, approved plan")
    assert count(app, "Fall below the threshold") > 0


def test_a_higher_multiplier_lowers_the_budget_and_a_lower_one_raises_it(app: AppTest) -> None:
    open_page(app, lang="en")
    baseline = money(app, "Payout budget, approved plan")
    set_multiplier(app, 1.3)
    assert money(app, "Payout budget, scenario") < baseline
    assert count(app, "Fall below the threshold") > 0 and count(app, "Cross the threshold") == 0
    set_multiplier(app, 0.7)
    assert money(app, "Payout budget, scenario") > baseline
    assert count(app, "Cross the threshold") > 0 and count(app, "Fall below the threshold") == 0
    assert money(app, "Payout budget, approved plan") == baseline  # the plan does not move


def test_a_scenario_is_saved_as_draft_versions_with_its_reason(writable_app: AppTest, writable_url: str) -> None:
    app = open_page(writable_app, lang="en")
    engine = make_engine(writable_url)
    before = read_targets(engine, period="2026-10")
    before = before[before["kpi"] == "account_cnt"]
    save(app, " ")
    assert "Give a reason: every change is audited." in [e.value for e in app.error]
    set_multiplier(app, 1.1)
    app.session_state[key_of(app, "inc-curves-")] = {
        "edited_rows": {0: {"threshold": 0.5}}, "added_rows": [], "deleted_rows": []}  # customer_manager
    app.run()
    save(app, "Q4 stretch what-if")
    assert any("Saved as draft" in s.value for s in app.success), [e.value for e in app.error]
    after = read_targets(engine, period="2026-10").set_index("id")
    changed = after.loc[before["id"]]
    assert set(changed["version"]) == {2} and set(changed["status"]) == {"draft"}
    for code, cells in before.groupby("unit_code"):  # every holder now sums to round(old × 1.1)
        assert after.loc[cells["id"], "value"].sum() == np.floor(cells["value"].sum() * 1.1 + 0.5), code
    trail = audit_trail(engine, target_id=int(before["id"].iloc[0]))
    assert trail.iloc[-1][["action", "reason", "new_status"]].tolist() == ["edit", "Q4 stretch what-if", "draft"]
    curves = curve_history(engine)
    assert curves[["role", "version", "status", "threshold", "reason"]].values.tolist() == [
        ["customer_manager", 1, "draft", 0.5, "Q4 stretch what-if"]]
    # The page starts over from what was saved: the scenario equals the plan again.
    assert next(s for s in app.slider if s.key.startswith("inc-mult-")).value == 1.0


def test_a_save_based_on_what_another_session_changed_since_is_refused(writable_app: AppTest, writable_url: str) -> None:
    first = open_page(writable_app, lang="en")
    second = open_page(AppTest.from_file(APP, default_timeout=60), lang="en")
    save(set_multiplier(second, 1.1), "second was quicker")
    save(set_multiplier(first, 0.9), "first, stale")
    errors = [e.value for e in first.error]
    assert len(errors) == 1 and "was changed by demo-hr at " in errors[0] and "Not saved" in errors[0]
    engine = make_engine(writable_url)
    cells = read_targets(engine, period="2026-10")
    cells = cells[cells["kpi"] == "account_cnt"]
    assert set(cells["version"]) == {2}  # only the second session's save
    reasons = {audit_trail(engine, target_id=int(i)).iloc[-1]["reason"] for i in cells["id"]}
    assert reasons == {"second was quicker"}


def test_an_impossible_curve_is_named_and_the_edit_is_kept(app: AppTest) -> None:
    open_page(app, lang="en")
    key = key_of(app, "inc-curves-")
    app.session_state[key] = {"edited_rows": {1: {"threshold": 1.2}}, "added_rows": [], "deleted_rows": []}
    app.run()
    assert not app.exception
    errors = [e.value for e in app.error]
    assert len(errors) == 1 and "wealth_manager: " in errors[0] and "threshold ≤ target ≤ cap" in errors[0]
    assert app.session_state[key]["edited_rows"] == {1: {"threshold": 1.2}}  # nothing lost: fix the row
