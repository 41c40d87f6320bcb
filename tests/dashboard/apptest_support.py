"""The dashboard under Streamlit's AppTest, on a chosen store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from store.settings import get_settings

APP = str(Path(__file__).resolve().parents[2] / "dashboard" / "app.py")


def app_on(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on `database_url`, with settings and caches cleared so no earlier test's
    engine or cached rows leak in."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    yield AppTest.from_file(APP, default_timeout=60)
    get_settings.cache_clear()


def open_page(app: AppTest, page: str, *, persona: str | None = None, **params: str) -> AppTest:
    """Run the app, switch to `page`, then put `params` in its URL (after the switch, so the
    default page cannot act on them first) and run it; `persona` picks the demo persona."""
    if persona is not None:
        app.session_state["persona"] = persona
    app.run()
    app.switch_page(page)
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, [e.message for e in app.exception]
    return app
