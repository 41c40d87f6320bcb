"""The incentives what-if page in a real browser on the demo bank: moving the target multiplier
re-prices the scenario's payout budget, with no error on the page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
SCENARIO = '[data-testid="stMetric"]:has-text("激励预算（测算方案）") [data-testid="stMetricValue"]'
PLAN = '[data-testid="stMetric"]:has-text("激励预算（已审批方案）") [data-testid="stMetricValue"]'


def amount(text: str) -> float:
    return float(text.replace("¥", "").replace(",", ""))


def test_moving_the_multiplier_changes_the_scenario_budget(browser, served_demo_app: str) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(served_demo_app + "/incentives")
        tab.get_by_text("激励测算（假设分析）").first.wait_for()
        tab.locator(SCENARIO).wait_for()
        plan, before = tab.locator(PLAN).inner_text(), tab.locator(SCENARIO).inner_text()
        assert plan == before  # an untouched scenario is the plan
        thumb = tab.locator('[data-testid="stSlider"] input[type="range"]').first
        thumb.focus()
        for _ in range(4):  # 1.00 → 1.20 in steps of 0.05
            thumb.press("ArrowRight")
        expect(tab.locator(SCENARIO)).not_to_have_text(before, timeout=60_000)  # the page re-ran
        assert amount(tab.locator(SCENARIO).inner_text()) < amount(before)  # harder targets pay less
        assert tab.locator(PLAN).inner_text() == plan
        tab.locator(".js-plotly-plot").first.wait_for()
        assert tab.locator(ERRORS).count() == 0
    finally:
        context.close()
