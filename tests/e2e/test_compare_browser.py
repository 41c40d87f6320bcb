"""The outlet comparison in a real browser: it loads, and a click on a bubble opens that
outlet's staff (the URL gets ?outlet=)."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'
POINTS = ".js-plotly-plot .scatterlayer .points path"


def wait_for_app(page) -> None:  # noqa: ANN001
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def click_point(page, index: int) -> None:  # noqa: ANN001
    """Plotly resolves a click from its hover state: move over the bubble first, then click."""
    point = page.locator(POINTS).nth(index)
    point.scroll_into_view_if_needed()  # a mouse click only lands inside the viewport
    box = point.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_compare_loads_and_a_bubble_click_opens_the_outlets_staff(page, served_demo_app: str) -> None:  # noqa: ANN001
    page.goto(served_demo_app + "/compare?unit=GD01")
    page.get_by_text("网点对比：同规模网点排名").wait_for()
    page.locator(POINTS).first.wait_for()
    wait_for_app(page)
    assert page.locator(ERRORS).count() == 0
    assert page.get_by_text("点击上方气泡或选择一个网点").count() == 1  # nothing selected yet
    click_point(page, page.locator(POINTS).count() // 2)
    page.wait_for_function("() => /outlet=GD01\\d{3}/.test(location.search)")
    outlet = re.search(r"outlet=(GD01\d{3})", page.evaluate("location.search"))[1]
    # The staff section opened for that outlet: its link to the drill-down names it.
    page.locator(f'a[href*="unit={outlet}"]').wait_for()
    wait_for_app(page)
    assert page.get_by_text("点击上方气泡或选择一个网点").count() == 0
    assert page.locator(ERRORS).count() == 0
