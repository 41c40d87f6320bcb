"""Loads measured from outside: `python -m etl load` in a child process, its wall time and the
peak resident memory of its processes together (see _reap), stopped at a time limit.

After a load the store is inspected: a loader stopped mid-way leaves files whose facts are in
but whose rollups were never rebuilt (the loader rebuilds them after the last file), so its
store shows days that never existed as such. Such a store is reported inconsistent and the
pages are not measured on it.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from store.engine import make_engine
from store.health import load_runs
from store.pages import data_period

PG_URL = os.environ.get("CASCADE_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
GRACE_SECONDS = 30  # after SIGTERM, before SIGKILL
UNFINISHED = ("running", "loaded", "interrupted")


@dataclass
class ChildRun:
    """One child process: wall time, peak RSS, exit code (None when killed), its log."""

    seconds: float
    peak_rss_mb: float
    exit_code: int | None
    timed_out: bool
    log: Path
    tail: str = ""


def run_child(command: list[str], *, timeout: float | None, log: Path) -> ChildRun:
    """Run `command` with its output in `log`; stop it (SIGTERM, then SIGKILL) after `timeout`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        status, usage, timed_out, peak_kb = _reap(process, timeout)
        seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
    exit_code = None if timed_out else process.returncode
    return ChildRun(seconds, (peak_kb or usage.ru_maxrss) / 1024, exit_code, timed_out, log, _tail(log))


def _reap(process: subprocess.Popen, timeout: float | None) -> tuple[int, object, bool, int]:
    """Wait for the child; also the peak resident memory (kB) of its process tree together.

    Why not wait4's ru_maxrss alone: Python starts children with vfork, and Linux then keeps
    the *parent's* high-water mark in the child's ru_maxrss, so a loader started after the
    harness held the naive approach's gigabytes reported those gigabytes as its own.

    Every 50 ms each process of the tree (the loader, its parse worker and forkserver) is
    asked for its high-water mark (VmHWM, the peak of its own resident set), which is then
    reset to its current size (`5` written to /proc/<pid>/clear_refs). So each reading is the
    process's peak within that interval, and their sum bounds the tree's peak together in it:
    processes that peak at different times (the parse worker during the files, the loader in
    the month tables) are not added up as if they peaked at once. Where the reset is refused,
    the marks stay cumulative and the figure is the larger sum of each process's own peak so
    far, an upper bound still. A peak within the last 50 ms of a process's life is missed."""
    deadline = None if timeout is None else time.monotonic() + timeout
    timed_out = False
    peak_kb = 0
    while True:
        peak_kb = max(peak_kb, sum(_interval_peak_kb(member) for member in _tree(process.pid)))
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            return status, usage, timed_out, peak_kb
        now = time.monotonic()
        if deadline is not None and now > deadline:
            if not timed_out:  # ask politely first, then stop it
                process.send_signal(signal.SIGTERM)
                timed_out, deadline = True, now + GRACE_SECONDS
            else:
                process.kill()
                deadline = None
        time.sleep(0.05)


def _tree(pid: int) -> list[int]:
    """`pid` and its descendants (the loader's forkserver and parse worker), from /proc."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in children.read_text().split()]
            except OSError:  # the process ended meanwhile
                continue
    return found


def _interval_peak_kb(pid: int) -> int:
    """`pid`'s peak resident set (kB) since the last call, then its mark reset to now."""
    peak = _vm_hwm_kb(pid)
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:  # not Linux, not permitted, or the process is gone: the mark stays cumulative
        pass
    return peak


def _vm_hwm_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:  # not Linux, or the child is gone
        return 0
    return next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)


def _tail(log: Path, lines: int = 12) -> str:
    """The last lines of a log, of its progress bars only the last state."""
    text = log.read_bytes()[-50_000:].decode("utf-8", errors="replace")
    kept = [line.strip() for line in text.replace("\r", "\n").splitlines() if line.strip()]
    progress = [i for i, line in enumerate(kept) if "%|" in line]
    kept = [line for i, line in enumerate(kept) if "%|" not in line or i == (progress or [-1])[-1]]
    return "\n".join(kept[-lines:])


@dataclass(frozen=True)
class Store:
    backend: str  # sqlite | postgresql
    url: str
    server: str  # the database's version


def fresh_sqlite(path: Path) -> Store:
    """An empty SQLite store at `path` (any earlier file and its WAL removed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        leftover.unlink(missing_ok=True)
    return Store("sqlite", f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version}")


def fresh_postgres(schema: str) -> tuple[Store | None, str]:
    """An empty schema `schema` on the benchmark's PostgreSQL, or (None, why not)."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", schema):  # an identifier cannot be a bound parameter
        raise ValueError(f"not a plain schema name: {schema!r}")
    try:
        admin = make_engine(PG_URL)
        with admin.begin() as connection:
            connection.exec_driver_sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
            version = connection.exec_driver_sql("SHOW server_version").scalar()
        admin.dispose()
    except Exception as problem:  # any failure to reach the server means: no PostgreSQL figures
        return None, f"PostgreSQL unreachable at {PG_URL}: {type(problem).__name__}"
    return Store("postgresql", f"{PG_URL}?options=-csearch_path%3D{schema}", f"PostgreSQL {version}"), ""


def etl_command(store: Store, *arguments: str) -> list[str]:
    return [sys.executable, "-m", "etl", "--db", store.url, *arguments]


@dataclass
class StoreState:
    consistent: bool
    why: str
    runs: dict[str, int] = field(default_factory=dict)
    loaded_bytes: int = 0
    first_day: date | None = None
    last_day: date | None = None


def inspect(store: Store) -> StoreState:
    """Whether every load run finished and rollups exist, with the bytes of files whose facts are in."""
    engine = make_engine(store.url)
    try:
        runs = load_runs(engine, limit=10**7)
        period = data_period(engine)
    finally:
        engine.dispose()
    counts = {str(k): int(v) for k, v in runs["status"].value_counts().items()}
    done = runs.loc[runs["status"].isin(["loaded", "ok"]), "file"]
    loaded_bytes = sum(Path(f).stat().st_size for f in done if Path(f).exists())
    unfinished = {s: counts[s] for s in UNFINISHED if counts.get(s)}
    if unfinished:
        why = (f"load runs left unfinished {unfinished}: their facts are in but their rollups were "
               "never rebuilt (the loader rebuilds rollups after its last file)")
    elif period is None:
        why = "no rollups in the store"
    else:
        why = ""
    first, last = period or (None, None)
    return StoreState(not why, why, counts, loaded_bytes, first, last)


@dataclass
class Load:
    """One measured load of `files` into a store."""

    label: str
    files: int
    bytes: int
    run: ChildRun
    state: StoreState

    @property
    def seconds(self) -> float | None:
        return None if self.run.timed_out or self.run.exit_code != 0 else self.run.seconds

    def estimate_seconds(self) -> float | None:
        """For a load stopped at its time limit: elapsed × all bytes / bytes loaded, a lower
        bound of the whole load (it leaves out the rollup rebuild that follows the files)."""
        if not self.run.timed_out or not self.state.loaded_bytes:
            return None
        return self.run.seconds * self.bytes / self.state.loaded_bytes


def load(store: Store, files: list[Path], *, label: str, timeout: float, log_dir: Path) -> Load:
    """Load `files` in one `python -m etl load` and inspect the store afterwards."""
    run = run_child(etl_command(store, "load", *map(str, files)), timeout=timeout,
                    log=log_dir / f"load-{label}.log")
    return Load(label, len(files), sum(f.stat().st_size for f in files), run, inspect(store))


def init(store: Store, *, log_dir: Path, name: str) -> None:
    """Create the schema (outside the measured loads: migrations are not a load's work)."""
    run = run_child(etl_command(store, "init"), timeout=600, log=log_dir / f"init-{name}.log")
    if run.exit_code != 0:
        raise RuntimeError(f"`python -m etl init` failed for {store.url}:\n{run.tail}")
