"""The workload page in a real browser on the demo bank: it loads with its charts, and a
changed threshold changes the flagged count."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
OVERLOADED = '[data-testid="stMetric"]:has-text("超负荷员工") [data-testid="stMetricValue"]'


@pytest.fixture
def demo_page(browser, served_demo_app: str) -> Iterator[object]:  # noqa: ANN001 - Playwright types
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(served_demo_app + "/workload")
    tab.get_by_text("员工负荷：分布、预警与转化").wait_for()
    tab.locator(OVERLOADED).wait_for()
    yield tab
    context.close()


def test_the_page_loads_with_its_charts_and_no_error(demo_page) -> None:  # noqa: ANN001
    demo_page.locator(".js-plotly-plot .points path").first.wait_for()  # the scatter has drawn
    demo_page.locator(".js-plotly-plot .bars path").first.wait_for(state="attached")  # the bins
    assert demo_page.locator(".js-plotly-plot").count() >= 3  # distributions, scatter, bins
    assert demo_page.locator(ERRORS).count() == 0


def test_a_lower_threshold_flags_more_staff(demo_page) -> None:  # noqa: ANN001
    before = int(demo_page.locator(OVERLOADED).inner_text().replace(",", ""))
    demo_page.get_by_text("预警阈值（可调整）").click()
    field = demo_page.get_by_label("日均新增客户达到（超负荷）")
    field.fill("3")
    field.press("Enter")
    shown_before = f"{before:,}"
    expect(demo_page.locator(OVERLOADED)).not_to_have_text(shown_before, timeout=60_000)  # the page re-ran
    after = int(demo_page.locator(OVERLOADED).inner_text().replace(",", ""))
    assert after > before
    expect(demo_page.get_by_role("tab", name=f"超负荷（{after}）")).to_have_count(1, timeout=30_000)
    assert demo_page.locator(ERRORS).count() == 0
