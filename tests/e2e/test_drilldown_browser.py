"""The drill-down page in a real browser on the demo bank: it loads, drills on a bar click and
on a treemap click, the browser's back button walks back up, and an outlet lists its staff."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def bars(page, code: str):  # noqa: ANN001, ANN201 - Playwright types
    """The bars of the chart of `code`'s children, in the newest chart of that unit (a chart of
    an earlier visit may linger in the page, hidden, until Streamlit drops it)."""
    return page.locator(f"[class*='st-key-bars-{code}-']").last.locator(".js-plotly-plot .bars path")


def cells(page, code: str):  # noqa: ANN001, ANN201
    """The treemap cells of `code`'s children in its newest treemap; cell 0 is `code` itself."""
    return page.locator(f"[class*='st-key-treemap-{code}-']").last.locator(".js-plotly-plot .treemaplayer g.slice")


def wait_idle(page) -> None:  # noqa: ANN001
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def unit_in_url(page) -> str | None:  # noqa: ANN001
    found = re.search(r"[?&]unit=(\w+)", page.evaluate("location.search"))
    return found.group(1) if found else None


def wait_for_unit(page, code: str) -> None:  # noqa: ANN001
    """The page shows `code`: its code in the caption under the breadcrumb, and its run ended."""
    page.get_by_text(re.compile(rf"[（(]{code}[）)]")).first.wait_for()
    wait_idle(page)


def click_at(page, locator) -> None:  # noqa: ANN001
    """Plotly resolves a click from its hover state: move over the mark first, then click."""
    locator.wait_for()
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def drill_by_click(page, locator, before: str | None) -> str:  # noqa: ANN001
    click_at(page, locator)
    page.wait_for_function("b => new URLSearchParams(location.search).get('unit') !== b", arg=before)
    code = unit_in_url(page)
    wait_for_unit(page, code)
    return code


def test_drill_by_clicks_and_back_with_the_browser(page, served_demo_app: str) -> None:  # noqa: ANN001
    page.set_default_timeout(90_000)  # six page runs in a row, on a machine shared with other tests
    page.goto(served_demo_app + "/drilldown")
    page.get_by_text("层级下钻：机构 → 下级 → 员工").wait_for()
    bars(page, "HO").last.wait_for(timeout=60_000)
    wait_idle(page)
    assert page.locator(ERRORS).count() == 0

    # HO → a province (the top bar), then → a branch (a treemap cell).
    province = drill_by_click(page, bars(page, "HO").last, None)
    assert len(province) == 2
    page.get_by_role("button", name="总行").wait_for()  # the breadcrumb leads back up
    branch = drill_by_click(page, cells(page, province).nth(1), province)
    assert branch.startswith(province) and len(branch) == 4
    assert page.locator(ERRORS).count() == 0

    # The browser's back button returns to the previous unit, and the page shows it.
    page.go_back()
    page.wait_for_function("p => new URLSearchParams(location.search).get('unit') === p", arg=province)
    wait_for_unit(page, province)
    # Its content is shown. (Whether the treemap is left zoomed into the clicked cell is not
    # asserted: under load it sometimes is, a known cosmetic glitch noted for the next session.)
    bars(page, province).last.wait_for()
    page.wait_for_timeout(1_000)
    assert unit_in_url(page) == province  # and it stays there: no stale click drills again
    page.go_back()
    page.wait_for_function("() => !new URLSearchParams(location.search).get('unit')")
    wait_for_unit(page, "HO")
    bars(page, "HO").last.wait_for()
    assert page.get_by_role("button", name="总行").count() == 0  # the root is the current crumb
    page.go_forward()
    wait_for_unit(page, province)
    assert page.locator(ERRORS).count() == 0


def test_an_outlet_link_shows_its_staff(page, served_demo_app: str) -> None:  # noqa: ANN001
    page.goto(served_demo_app + "/drilldown?unit=GD01001")
    page.get_by_text(re.compile(r"的员工（\d+ 人）")).wait_for(timeout=60_000)
    page.locator('[data-testid="stDataFrame"]').first.wait_for()
    page.get_by_role("button", name="广州分行").wait_for()
    assert page.locator(ERRORS).count() == 0
    page.get_by_role("button", name="广州分行").click()  # up one level by the breadcrumb
    page.wait_for_function("() => new URLSearchParams(location.search).get('unit') === 'GD01'")
    wait_for_unit(page, "GD01")
    page.go_back()
    page.wait_for_function("() => new URLSearchParams(location.search).get('unit') === 'GD01001'")
    page.get_by_text(re.compile(r"的员工（\d+ 人）")).wait_for()
