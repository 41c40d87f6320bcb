"""The conversion page in a real browser on the demo bank: it loads, shows the funnel, and
switching the split (segment → department → kind) redraws it and is kept in the URL."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
FUNNEL = ".js-plotly-plot >> nth=0"


def wait_for_app(page) -> None:  # noqa: ANN001
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def funnel_legend(page) -> list[str]:  # noqa: ANN001
    return page.locator(f"{FUNNEL} >> .legendtext").all_text_contents()


def funnel_stages(page) -> list[str]:  # noqa: ANN001
    return page.locator(f"{FUNNEL} >> .ytick").all_text_contents()


def test_conversion_loads_and_the_split_redraws_the_funnel(page, served_demo_app: str) -> None:  # noqa: ANN001
    page.goto(served_demo_app + "/conversion")
    page.get_by_text("转化漏斗：加·聊·卖").wait_for()
    page.locator(f"{FUNNEL} >> .funnellayer .point path").first.wait_for()
    wait_for_app(page)
    assert page.locator(ERRORS).count() == 0
    assert "长尾客户（<5万）" in funnel_legend(page)
    assert any(stage.startswith("加") for stage in funnel_stages(page))

    page.get_by_role("radio", name="按条线").click()
    page.wait_for_function("f => location.search.includes(f)", arg="split=department")
    page.locator(f"{FUNNEL} >> .legendtext", has_text="网络金融部").wait_for()
    assert set(funnel_legend(page)) == {"网络金融部", "个人金融部"}
    # Contacts are not split by department: the funnel keeps only the sell stages.
    assert all(stage.startswith("卖") for stage in funnel_stages(page))

    page.get_by_role("radio", name="按新增/存量").click()
    page.wait_for_function("f => location.search.includes(f)", arg="split=kind")
    page.locator(f"{FUNNEL} >> .legendtext", has_text="存量客户").wait_for()
    assert set(funnel_legend(page)) == {"新增客户", "存量客户"}
    assert page.locator(ERRORS).count() == 0
