"""Org and staff names with markup, SQL, formulas and quotes are data: they load verbatim, show
as text on every page, break no query, and exports neutralise the ones a spreadsheet would run."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pandas as pd
import pytest
import sqlalchemy as sa
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from apptest_support import app_on
from store.engine import make_engine
from store.users import PAGES
from tiny_bank import HOSTILE_STAFF, HOSTILE_UNITS

PAGE_FILES = [f"app_pages/{page}.py" for page in PAGES]


@pytest.fixture
def hostile_app(hostile_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    yield from app_on(hostile_sqlite_url, monkeypatch)


def test_names_are_stored_verbatim_and_nothing_was_dropped(hostile_sqlite_url: str) -> None:
    with make_engine(hostile_sqlite_url).connect() as connection:
        units = dict(connection.execute(sa.text("SELECT code, name FROM org_unit")).all())
        staff = dict(connection.execute(sa.text("SELECT staff_id, name FROM staff")).all())
        tables = set(sa.inspect(connection).get_table_names())
    assert {code: units[code] for code in HOSTILE_UNITS} == {code: n[0] for code, n in HOSTILE_UNITS.items()}
    assert {sid: staff[sid] for sid in HOSTILE_STAFF} == HOSTILE_STAFF
    assert {"org_unit", "staff"} <= tables


@pytest.mark.parametrize("page", PAGE_FILES)
def test_every_page_shows_hostile_names_as_text(hostile_app: AppTest, page: str) -> None:
    hostile_app.session_state["persona"] = "admin"  # every page
    hostile_app.run()
    hostile_app.switch_page(page)
    hostile_app.query_params["period"] = "2026-09"
    hostile_app.run()
    assert not hostile_app.exception, [e.message for e in hostile_app.exception]


def test_the_overview_shows_the_names_verbatim_and_its_export_neutralises_formulas(
        hostile_app: AppTest, monkeypatch: pytest.MonkeyPatch) -> None:
    files: list[bytes] = []
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, data, mimetype, kind, filename=None):  # noqa: ANN001, ANN202 - Streamlit's signature
        files.append(data if isinstance(data, bytes) else b"")
        return original(self, data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    hostile_app.query_params["unit"] = "GD"
    hostile_app.query_params["period"] = "2026-09"
    hostile_app.run()
    assert not hostile_app.exception
    table = next(d.value for d in hostile_app.dataframe if "代码" in d.value.columns)
    assert HOSTILE_UNITS["GD01"][0] in set(table.astype(str).to_numpy().ravel())  # shown as typed
    breadcrumb = [b.label for b in hostile_app.button if b.key == "crumb-HO"]
    assert breadcrumb  # the page drew its breadcrumb above the hostile province
    hostile_app.query_params["unit"] = "HO"
    hostile_app.run()
    exported = [pd.read_excel(io.BytesIO(f), dtype=str) for f in files if f[:2] == b"PK"]
    cells = {v for frame in exported for v in frame.to_numpy().ravel() if isinstance(v, str)}
    formula = HOSTILE_UNITS["GD"][0]
    assert "'" + formula in cells and formula not in cells  # Excel will show it, not run it
