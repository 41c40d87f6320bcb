"""The overview in a real browser: it loads, drills on a click, and switches language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"], [data-testid="stAlertContentError"]'


def wait_for_app(page) -> None:  # noqa: ANN001
    page.wait_for_selector('[data-testid="stAppViewContainer"]')
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')")


def wait_for_query(page, fragment: str) -> None:  # noqa: ANN001
    """Streamlit rewrites the URL in place (no navigation event): watch location.search."""
    page.wait_for_function("f => location.search.includes(f)", arg=fragment)


def click_first_bar(page) -> None:  # noqa: ANN001
    """Plotly bars ignore pointer events (its drag layer takes them) and resolve a click from
    the hover state, so move over the bar first and click where it is, as a person does."""
    bar = page.locator(".js-plotly-plot .bars path").first
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def test_overview_loads_without_errors_and_drills_on_a_bar_click(page, served_app: str) -> None:  # noqa: ANN001
    page.goto(served_app)
    page.get_by_role("heading", name="推广总览").wait_for()
    page.locator(".js-plotly-plot .bars path").first.wait_for()
    assert page.locator(ERRORS).count() == 0
    click_first_bar(page)
    wait_for_query(page, "unit=GD")
    page.get_by_role("button", name="总行").wait_for()  # the breadcrumb leads back up
    assert page.locator(ERRORS).count() == 0


def test_language_switch_changes_the_labels(page, served_app: str) -> None:  # noqa: ANN001
    page.goto(served_app)
    page.get_by_role("heading", name="推广总览").wait_for()
    page.get_by_text("English").click()
    page.get_by_role("heading", name="Rollout overview").wait_for()
    wait_for_query(page, "lang=en")
