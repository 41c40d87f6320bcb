"""The sign-in modes under AppTest: demo personas, local accounts (a disabled account is signed
out at the next click) and OpenID Connect (the identity provider's email mapped to an account).
The trusted proxy header is tested in a real browser (tests/e2e/test_access_browser.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import app_on
from store.engine import make_engine
from store.users import add_user, disable_user

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts_url(demo_store_copy: str) -> str:
    engine = make_engine(demo_store_copy)
    add_user(engine, login="li.ming", display_name="李明", role="branch_leader", scope_code="GD01",
             email="Li.Ming@bank.example", password=PASSWORD)
    add_user(engine, login="cfo", display_name="CFO", role="executive", email="cfo@bank.example")
    return demo_store_copy


def app_in(mode: str, url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("AUTH_MODE", mode)
    yield from app_on(url, monkeypatch)


def adoption_codes(app: AppTest) -> set[str]:
    """The unit codes of the overview's table of the units below."""
    return set(next(d.value for d in app.dataframe if "代码" in d.value.columns)["代码"])


def test_demo_mode_has_a_banner_and_a_persona_picker_that_changes_the_scope(app: AppTest) -> None:
    app.run()
    assert any("演示模式" in i.value for i in app.sidebar.info)
    assert len(adoption_codes(app)) == 6  # HR's view: the six provinces
    app.selectbox(key="persona").select("branch_leader").run()
    assert not app.exception
    codes = adoption_codes(app)
    assert codes and all(c.startswith("GD01") for c in codes)  # the first branch's outlets only


def test_local_sign_in_refuses_a_wrong_password_and_a_disabled_account_is_signed_out(
        accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = next(app_in("local", accounts_url, monkeypatch))
    app.run()
    assert not app.dataframe and app.text_input(key="sign-in-login")
    app.text_input(key="sign-in-login").input("li.ming")
    app.text_input(key="sign-in-password").input("wrong password!")
    app.button(key="sign-in-button").click().run()
    assert "账号或密码错误" in app.error[0].value
    app.text_input(key="sign-in-password").input(PASSWORD)
    app.button(key="sign-in-button").click().run()
    assert all(c.startswith("GD01") for c in adoption_codes(app))
    disable_user(make_engine(accounts_url), login="li.ming")
    app.run()  # the next click
    assert not app.dataframe and app.text_input(key="sign-in-login")


def test_oidc_maps_the_providers_email_to_the_account(accounts_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    app = next(app_in("oidc", accounts_url, monkeypatch))
    app.user = {"is_logged_in": False}
    app.run()
    assert not app.dataframe and app.button[0].label == "使用行内统一认证登录"
    app.user = {"is_logged_in": True, "email": "li.ming@BANK.example"}  # emails compare without case
    app.run()
    assert all(c.startswith("GD01") for c in adoption_codes(app))
    app.user = {"is_logged_in": True, "email": "stranger@bank.example"}
    app.run()
    assert "没有 Cascade 账号" in app.error[0].value and not app.dataframe
