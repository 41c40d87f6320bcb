"""The data health page in a real browser on the demo bank: its four sections render, with
their tables and the runs chart, and no error; only the administrator is offered it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
SECTIONS = ("数据时效", "加载记录", "拒收明细", "数据覆盖")


def test_the_four_sections_load_without_an_error(browser, served_demo_app: str) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(served_demo_app)
        # Data health is the administrator's page: pick that persona, then open it.
        tab.get_by_label("以此身份查看演示").click()
        tab.get_by_role("option", name="系统管理员").click()
        tab.locator('[data-testid="stSidebarNav"]').get_by_text("数据健康").click()
        tab.get_by_text("数据健康：时效、加载、拒收与覆盖").wait_for()
        for heading in SECTIONS:
            tab.get_by_role("heading", name=heading).wait_for()
        tab.locator('[data-testid="stMetric"]:has-text("无数据员工")').wait_for()  # coverage, the last section
        tab.locator(".js-plotly-plot .bars path").first.wait_for(state="attached")  # the runs chart
        assert tab.locator('[data-testid="stDataFrame"]').count() >= 5
        assert tab.locator(ERRORS).count() == 0
    finally:
        context.close()


def test_the_page_is_not_offered_to_hr(browser, served_demo_app: str) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    try:
        tab.goto(served_demo_app)
        tab.locator('[data-testid="stSidebarNav"]').get_by_text("激励测算").wait_for()  # HR, the default persona
        assert tab.locator('[data-testid="stSidebarNav"]').get_by_text("数据健康").count() == 0
    finally:
        context.close()
