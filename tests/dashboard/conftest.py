"""Fixtures for the page tests: the dashboard under Streamlit's AppTest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from apptest_support import app_on


@pytest.fixture
def app(demo_sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[AppTest]:
    """The app on two weeks of the small demo bank."""
    yield from app_on(demo_sqlite_url, monkeypatch)
