"""Row-level security, page by page: for every role and several scopes of the demo bank, each
page a user may open is run as that user (signed in through the form), and no table on it and
no file it offers for download names a unit or staff member outside the user's subtree.
Tampered links are refused, and pages outside a role are not offered."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date

import pandas as pd
import pytest
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from apptest_support import app_on
from store import pages
from store.engine import make_engine
from store.pages import Scope
from store.staff_reads import subtree_staff
from store.users import PAGES_BY_ROLE, add_user

PASSWORD = "correct horse battery"
DAY = date(2026, 10, 31)
ACCOUNTS = {  # login: (role, scope, department)
    "exec": ("executive", "HO", None),
    "retail-head": ("department_head", "HO", "retail"),
    "zj-leader": ("branch_leader", "ZJ", None),       # a province
    "gd01-leader": ("branch_leader", "GD01", None),   # a branch
    "outlet-leader": ("branch_leader", "GD01001", None),  # an outlet
    "hr": ("hr_ops", "HO", None),
    "admin": ("admin", "HO", None),
}
PAGE_FILES = {"overview": "app_pages/overview.py", "drilldown": "app_pages/drilldown.py", "compare": "app_pages/compare.py",
              "workload": "app_pages/workload.py", "conversion": "app_pages/conversion.py",
              "targets": "app_pages/targets.py", "incentives": "app_pages/incentives.py", "health": "app_pages/health.py"}
# Whole-bank roles cannot see outside their scope (it is the bank), so the leak matrix runs the
# roles and scopes that have an outside: branch leaders at three levels and a department head.
# Every role's page list is checked below, and every page renders for HR and admin elsewhere.
CASES = [(login, page) for login, (role, scope, department) in ACCOUNTS.items()
         if scope != "HO" or department for page in PAGES_BY_ROLE[role]]


@pytest.fixture(scope="module")
def access_url(demo_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    import sqlite3

    copy = tmp_path_factory.mktemp("access") / "cascade.db"
    with sqlite3.connect(demo_sqlite_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)
    url = f"sqlite:///{copy}"
    engine = make_engine(url)
    for login, (role, scope, department) in ACCOUNTS.items():
        add_user(engine, login=login, display_name=login, role=role, scope_code=scope, department=department,
                 password=PASSWORD)
    return url


@pytest.fixture(scope="module")
def universe(access_url: str) -> dict[str, set[str]]:
    """Every unit code and name (zh, en) and every staff id of the bank."""
    engine = make_engine(access_url)
    units = pages.last_names(engine, day=DAY)
    staff = subtree_staff(engine, scope=Scope("HO"), under="HO", start=date(2026, 10, 18), end=DAY)["roster"]
    return {"codes": set(units["unit_code"]), "names": set(units["name"]) | set(units["name_en"]),
            "staff": set(staff["staff_id"])}


def allowed(access_url: str, root: str) -> dict[str, set[str]]:
    engine = make_engine(access_url)
    codes = set(pages.subtree_codes(engine, root=root, day=DAY))
    units = pages.last_names(engine, day=DAY)
    mine = units[units["unit_code"].isin(codes)]
    staff = subtree_staff(engine, scope=Scope(root), under=root, start=date(2026, 10, 18), end=DAY)["roster"]
    return {"codes": codes, "names": set(mine["name"]) | set(mine["name_en"]), "staff": set(staff["staff_id"])}


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """Every file the app offers for download, by media id (AppTest keeps them in memory)."""
    kept: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202 - Streamlit's signature
        file_id = original(self, path_or_data, mimetype, kind, filename)
        kept[file_id] = path_or_data if isinstance(path_or_data, bytes) else b""
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return kept


@pytest.fixture
def local_app(access_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    monkeypatch.setenv("AUTH_MODE", "local")
    yield from app_on(access_url, monkeypatch)


def sign_in(app: AppTest, login: str) -> AppTest:
    app.run()
    app.text_input(key="sign-in-login").input(login)
    app.text_input(key="sign-in-password").input(PASSWORD)
    app.button(key="sign-in-button").click().run()
    assert not app.exception, [e.message for e in app.exception]
    return app


def shown_values(app: AppTest, files: dict[str, bytes]) -> set[str]:
    """Every cell of every table on the page and of every Excel file it offers."""
    frames = [d.value for d in app.dataframe]
    for content in files.values():
        if content[:2] == b"PK":  # an xlsx workbook
            frames += list(pd.read_excel(io.BytesIO(content), sheet_name=None, dtype=str).values())
    values: set[str] = set()
    for frame in frames:
        values |= {str(v) for v in frame.astype(str).to_numpy().ravel()}
        values |= {str(v) for v in frame.columns}
    return values


@pytest.mark.parametrize(("login", "page"), CASES, ids=[f"{login}-{page}" for login, page in CASES])
def test_no_row_outside_the_scope_appears(local_app: AppTest, downloads: dict[str, bytes], access_url: str,
                                         universe: dict[str, set[str]], login: str, page: str) -> None:
    sign_in(local_app, login)
    local_app.switch_page(PAGE_FILES[page])
    local_app.query_params["period"] = "2026-10"
    local_app.run()
    bulletin = [b for b in local_app.button if b.key == "bulletin-prepare"]
    if bulletin:  # the bulletin is an export too (an outlet, the finest level, has none)
        bulletin[0].click().run()
        assert any(content[:2] == b"PK" for content in downloads.values())
    assert not local_app.exception, [e.message for e in local_app.exception]
    seen = shown_values(local_app, downloads)
    mine = allowed(access_url, ACCOUNTS[login][1])
    for kind in ("codes", "names", "staff"):
        leaked = (seen & universe[kind]) - mine[kind]
        assert not leaked, f"{login} on {page} sees {kind} outside {ACCOUNTS[login][1]}: {sorted(leaked)[:5]}"
    assert local_app.dataframe or local_app.info  # the page showed something: the check is not vacuous


@pytest.mark.parametrize("page", ["overview", "drilldown", "compare", "workload", "conversion"])
def test_a_link_to_another_branch_is_refused_with_a_message(local_app: AppTest, downloads: dict[str, bytes],
                                                            access_url: str, universe: dict[str, set[str]],
                                                            page: str) -> None:
    sign_in(local_app, "gd01-leader")
    local_app.switch_page(PAGE_FILES[page])
    local_app.query_params["unit"] = "ZJ01"  # Hangzhou: another province's branch
    local_app.run()
    assert any("ZJ01" in w.value for w in local_app.warning)
    assert local_app.query_params["unit"] == "GD01"
    leaked = (shown_values(local_app, downloads) & universe["codes"]) - allowed(access_url, "GD01")["codes"]
    assert not leaked


@pytest.mark.parametrize("login", list(ACCOUNTS))
def test_each_role_is_offered_its_pages_and_no_other(local_app: AppTest, login: str) -> None:
    sign_in(local_app, login)
    offered = set(PAGES_BY_ROLE[ACCOUNTS[login][0]])
    for page in sorted(set(PAGE_FILES) - offered):
        with pytest.raises(Exception):  # noqa: B017 - AppTest refuses a page the navigation does not hold
            local_app.switch_page(PAGE_FILES[page]).run()
