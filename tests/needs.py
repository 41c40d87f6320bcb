"""Outside services a test may need. Outside CI a missing one skips the test with a one-line
reason; under CI=true it fails it, because there a skip would hide a broken promise."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_or_skip(reason: str | None) -> None:
    """`reason` is None when the service is there; otherwise skip (or fail under CI)."""
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI requires this test to run: {reason}")
    pytest.skip(reason)
