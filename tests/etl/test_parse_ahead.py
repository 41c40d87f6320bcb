"""Parsing ahead in a second process changes nothing but the time: a bank loaded with it
ends exactly as one loaded without it, and a bad file parsed in the worker fails with the
same message, naming the file and the cause, with nothing of it loaded."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from dbstate import table_hashes
from etl import parse_ahead
from etl.load import load_paths
from store.engine import make_engine


def loaded(template: Path, folder: Path, inbox: Path, *, ahead: bool) -> tuple[sa.Engine, list]:
    """The bank loaded into a fresh store; `ahead`: with the worker, however small the bank."""
    folder.mkdir()
    shutil.copy(template, folder / "cascade.db")
    engine = make_engine(f"sqlite:///{folder / 'cascade.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse_ahead, "MIN_BYTES", 0 if ahead else parse_ahead.MIN_BYTES)
        summary = load_paths(engine, [inbox], parse_ahead=ahead)
    return engine, [(r.path.name, r.status, r.rows_loaded, r.rows_rejected, r.message) for r in summary.results]


def test_a_bank_parsed_ahead_loads_exactly_as_one_parsed_in_turn(sqlite_template: Path, tiny_bank: Path,
                                                                 tmp_path: Path) -> None:
    broken = tiny_bank / "contacts_20260909.csv"
    broken.write_text("staff_id,customer_key\nS1,abc\n", encoding="utf-8")  # columns missing: a bad file
    ahead, ahead_results = loaded(sqlite_template, tmp_path / "ahead", tiny_bank, ahead=True)
    plain, plain_results = loaded(sqlite_template, tmp_path / "plain", tiny_bank, ahead=False)
    assert ahead_results == plain_results
    failed = [r for r in ahead_results if r[1] == "failed"]
    assert [r[0] for r in failed] == [broken.name] and failed[0][4].startswith(f"{broken.name}: missing column")
    assert table_hashes(ahead, across_runs=True) == table_hashes(plain, across_runs=True)


def test_small_loads_parse_in_the_loaders_own_process(tiny_bank: Path) -> None:
    from etl.load import discover

    assert not parse_ahead.worth_it(discover([tiny_bank]))


def test_the_worker_never_runs_the_main_script(sqlite_template: Path, tiny_bank: Path, tmp_path: Path,
                                               monkeypatch) -> None:  # noqa: ANN001 - pytest's MonkeyPatch
    """A process whose __main__ is a script that must not run again (Streamlit's AppTest leaves
    dashboard/app.py there) still parses ahead."""
    import sys
    import types

    script = tmp_path / "boom.py"
    script.write_text("raise SystemExit('the main script ran in the parse worker')\n", encoding="utf-8")
    main = types.ModuleType("__main__")
    main.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", main)
    _, results = loaded(sqlite_template, tmp_path / "ahead", tiny_bank, ahead=True)
    statuses = {status for _, status, *_ in results}
    assert "ok" in statuses and "failed" not in statuses, results


def test_files_after_the_worker_died_are_parsed_in_the_loader(tiny_bank: Path) -> None:
    """A worker killed mid-load (out of memory, say) costs time, not the load: every file's
    parse is still the one the loader would make itself."""
    import os
    import signal
    import time

    import pandas as pd

    from etl.load import discover

    ahead = parse_ahead.ParseAhead(discover([tiny_bank]))
    try:
        first_source, first_path = ahead.queue[0]
        ahead.parser(first_source, first_path)()  # the worker is up and answered once
        for pid in list(ahead.pool._processes):  # noqa: SLF001 - the only handle on the worker
            os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 30
        while not ahead.pool._broken and time.monotonic() < deadline:  # noqa: SLF001 - until the pool notices
            time.sleep(0.05)
        assert ahead.pool._broken  # noqa: SLF001
        for source, path in ahead.queue[1:]:
            got, want = ahead.parser(source, path)(), parse_ahead.PARSERS[source](path)
            pd.testing.assert_frame_equal(got.rows, want.rows, obj=path.name)
            assert (got.rejects, got.rows_in) == (want.rejects, want.rows_in)
    finally:
        ahead.close()
