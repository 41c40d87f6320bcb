"""Outside services a test may need. Outside CI a missing one skips the test with a one-line
reason; under CI=true it fails it, because there a skip would hide a broken promise."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
PG_URL = os.environ.get("CASCADE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def pg_unavailable_reason() -> str | None:
    """None when PostgreSQL answers at PG_URL; otherwise a one-line reason."""
    try:
        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except Exception as exc:  # any failure to connect means: no server for us
        return f"PostgreSQL unreachable at {PG_URL}: {type(exc).__name__}"
    return None


def require_or_skip(reason: str | None) -> None:
    """`reason` is None when the service is there; otherwise skip (or fail under CI)."""
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)
