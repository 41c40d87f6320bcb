"""Real-browser fixtures: the dashboard served by `streamlit run` on a free port, driven by
Playwright in Debian's Chromium (/usr/bin/chromium; Playwright's own download does not work
here). Outside CI the tests skip when Chromium is missing; under CI=true they fail."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from needs import require_or_skip

CHROMIUM = os.environ.get("CASCADE_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"streamlit did not answer at {url} within {timeout}s")


def serve(database_url: str, tmp_path_factory: pytest.TempPathFactory, **settings: str) -> Iterator[str]:
    """`streamlit run` the dashboard on `database_url` (and other `settings`, as environment
    variables); yields its base URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("streamlit") / "server.log").open("w")
    command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
               "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1"]
    env = {**os.environ, "DATABASE_URL": database_url, **settings}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def served_app(tiny_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the tiny bank (numbers checkable by hand)."""
    yield from serve(tiny_sqlite_url, tmp_path_factory)


@pytest.fixture(scope="session")
def served_demo_app(demo_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on two weeks of the small demo bank (realistic pages)."""
    yield from serve(demo_sqlite_url, tmp_path_factory)


@pytest.fixture
def served_writable_demo_app(demo_store_copy: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The dashboard on a private copy of the demo bank, for flows that write; yields the
    base URL and the store's URL (to check what was saved)."""
    for url in serve(demo_store_copy, tmp_path_factory):
        yield url, demo_store_copy


@pytest.fixture(scope="session")
def served_hostile_app(hostile_sqlite_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard on the tiny bank with hostile names (tiny_bank.HOSTILE_*)."""
    yield from serve(hostile_sqlite_url, tmp_path_factory)


@pytest.fixture
def proxied_app(demo_store_copy: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard behind a (simulated) trusted reverse proxy: AUTH_MODE=proxy, and the
    account li.ming, a branch leader of GD01, who the proxy names in X-Forwarded-User."""
    from store.engine import make_engine
    from store.users import add_user

    add_user(make_engine(demo_store_copy), login="li.ming", display_name="李明", role="branch_leader", scope_code="GD01")
    yield from serve(demo_store_copy, tmp_path_factory, AUTH_MODE="proxy", PROXY_ENABLED="true",
                     PROXY_HEADER="X-Forwarded-User")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    require_or_skip(None if Path(CHROMIUM).exists() else f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, served_app: str) -> Iterator[object]:  # noqa: ANN001 - Playwright types
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab = context.new_page()
    tab.set_default_timeout(60_000)  # 2 cores shared by two test workers: page reruns can be slow
    yield tab
    context.close()
