"""Build a costly read-only fixture once per test run, not once per xdist worker.

Why: `make test` runs two workers, each with its own session, so a session or module fixture
is built twice: the bench's end-to-end run (a minute) and the demo bank's generation and load
were each paid on both cores. Here the first worker to ask builds it under a lock in the
run's shared temporary folder; the other waits for it and reuses what was built. (The pattern
pytest-xdist's docs give, with fcntl's lock instead of the filelock package.) Only for what
the tests treat as read-only.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest


def shared_root(factory: pytest.TempPathFactory) -> Path:
    """The temporary folder every worker of this run shares (the session's own without xdist)."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def built_once(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], object]) -> tuple[Path, object]:
    """(folder, what `build(folder)` returned), `build` run by one worker only; what it returns
    must be JSON. A build that failed is tried again by the next worker to ask (and fails
    there too, with its own traceback)."""
    root = shared_root(factory)
    folder, done = root / name, root / f"{name}.json"
    with (root / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        if done.exists():
            return folder, json.loads(done.read_text(encoding="utf-8"))
        folder.mkdir(parents=True, exist_ok=True)
        value = build(folder)
        done.write_text(json.dumps(value, default=str), encoding="utf-8")
    return folder, value
