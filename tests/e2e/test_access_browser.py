"""A branch leader in a real browser, signed in by a trusted reverse proxy's header: the app
offers only the read pages, shows only the own branch, and refuses a link to another one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser
ERRORS = '[data-testid="stException"]'
HEADER = "X-Forwarded-User"  # see the proxied_app fixture in conftest.py


def test_a_branch_leader_sees_only_the_own_branch(browser, proxied_app: str) -> None:  # noqa: ANN001
    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN",
                                  extra_http_headers={HEADER: "li.ming"})
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(f"{proxied_app}/?period=2026-10")
    tab.get_by_text("当前用户：李明").wait_for()
    table = tab.locator('[data-testid="stDataFrame"]').last
    table.wait_for()
    nav = tab.locator('[data-testid="stSidebarNav"]')
    expect(nav.get_by_text("目标与对账")).to_have_count(0)  # a branch leader changes no targets
    expect(nav.get_by_text("数据健康")).to_have_count(0)
    body = tab.locator("main").inner_text()
    assert "广州分行" in body and "杭州分行" not in body and "深圳分行" not in body

    tab.goto(f"{proxied_app}/drilldown?unit=ZJ01&period=2026-10")  # a tampered link: Hangzhou
    tab.get_by_text("ZJ01").first.wait_for()
    assert "ZJ01" in tab.locator('[data-testid="stAlertContentWarning"]').first.inner_text()
    assert "unit=GD01" in tab.evaluate("location.search")
    assert tab.locator(ERRORS).count() == 0
    context.close()


def test_without_the_header_nobody_is_signed_in(browser, proxied_app: str) -> None:  # noqa: ANN001
    context = browser.new_context(locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    tab.goto(proxied_app)
    tab.get_by_text(HEADER).first.wait_for()  # the refusal names the header it expected
    assert tab.locator('[data-testid="stDataFrame"]').count() == 0
    context.close()


@pytest.mark.parametrize("path", ["/?period=2026-09&unit=GD01", "/drilldown?period=2026-09&unit=GD01"])
def test_hostile_names_render_as_text_and_run_nothing(browser, served_hostile_app: str, path: str) -> None:  # noqa: ANN001
    from tiny_bank import HOSTILE_UNITS

    context = browser.new_context(viewport={"width": 1400, "height": 1200}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    dialogs: list[str] = []
    tab.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    tab.goto(served_hostile_app + path)
    tab.get_by_text(HOSTILE_UNITS["GD"][0]).first.wait_for()  # the formula-looking name, as typed
    tab.locator(".js-plotly-plot").first.wait_for()
    tab.wait_for_timeout(1500)
    assert dialogs == []  # no injected script or image handler ran
    assert tab.locator("main script").count() == 0 and tab.locator("main img[src=x]").count() == 0
    assert tab.locator(ERRORS).count() == 0
    context.close()
