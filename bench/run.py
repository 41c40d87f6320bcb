"""The whole benchmark, in order: bank → loads → pages → naive → national day.

Everything measured lands in one plain dict (the JSON of results.json); report.py turns it
into the table and results.md. A step that cannot run says why in the dict, and the rest goes on.
"""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import calibrate, naive, pages
from bench.inbox import Bank, demo_bank
from bench.loads import Load, Store, fresh_postgres, fresh_sqlite, init, load
from store.engine import make_engine

Echo = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    scale: str
    days: int
    seed: int
    runs: int
    naive_runs: int
    load_timeout: float
    postgres: bool
    day_scale: str
    data_dir: Path


def run(o: Options, echo: Echo) -> dict:
    """Measure everything; return the results (figures are added by report.figures)."""
    started = datetime.now(UTC)
    logs = o.data_dir / "logs"
    echo("the machine's speed: reference work (bench.calibrate)")
    speed = calibrate.reference()  # first, on an idle machine: nothing of ours runs yet
    echo(f"bank: {o.scale}, {o.days} days, seed {o.seed}")
    bank = demo_bank(o.data_dir, scale=o.scale, seed=o.seed, days=o.days, log_dir=logs)
    result: dict = {"scale": o.scale, "days": o.days, "seed": o.seed,
                    "command": shlex.join(["python", "-m", "bench", *sys.argv[1:]]),
                    "options": {k: str(v) for k, v in vars(o).items()}, "reference": speed, "bank": bank_facts(bank),
                    "stores": {}}
    result["stores"]["sqlite"] = measure_store(fresh_sqlite(o.data_dir / f"{o.scale}.db"), bank, o, echo)
    if o.postgres:
        pg, why = fresh_postgres(f"cascade_bench_{o.scale}")
        result["stores"]["postgresql"] = measure_store(pg, bank, o, echo) if pg else {"skipped": why}
    result["national_day"] = national_day(o, echo)
    result["started_at"], result["finished_at"] = started.isoformat(timespec="seconds"), \
        datetime.now(UTC).isoformat(timespec="seconds")
    return result


def bank_facts(bank: Bank) -> dict:
    units = bank.manifest["units"]
    generation = bank.generation
    return {"inbox": str(bank.inbox), "start": bank.manifest["start"], "end": bank.manifest["end"],
            "days": bank.manifest["days"], "staff": units["staff"], "outlets": units["outlets"],
            "provinces": units["provinces"],
            "generation_s": None if generation is None else round(generation.seconds, 1),
            "generation_peak_rss_mb": None if generation is None else round(generation.peak_rss_mb)}


def measure_store(store: Store, bank: Bank, o: Options, echo: Echo) -> dict:
    """The bank's load (history, then the last day), then pages and naive if the store is whole."""
    name = f"{store.backend}-{o.scale}"
    logs = o.data_dir / "logs"
    init(store, log_dir=logs, name=name)
    history, day = bank.split_last_day()
    echo(f"{store.backend}: loading {len(history)} files (all but the last day), limit {o.load_timeout:.0f} s")
    first = load(store, history, label=f"{name}-history", timeout=o.load_timeout, log_dir=logs)
    second = None
    if first.seconds is not None:
        echo(f"{store.backend}: loading the last day's {len(day)} files")
        second = load(store, day, label=f"{name}-day", timeout=o.load_timeout, log_dir=logs)
    out = {"server": store.server, "files": len(history) + len(day), "history": load_facts(first),
           "day": load_facts(second) if second else None}
    last = second or first
    if not last.state.consistent:
        out["skipped"] = f"pages not measured: the store is not consistent ({last.state.why})"
        echo(out["skipped"])
        return out
    engine = make_engine(store.url)
    try:
        out.update(measure_pages(engine, store.backend, o, echo))
    finally:
        engine.dispose()
    return out


def load_facts(done: Load) -> dict:
    run, state = done.run, done.state
    estimate = done.estimate_seconds()
    return {"files": done.files, "megabytes": round(done.bytes / 2**20, 1),
            "seconds": None if done.seconds is None else round(done.seconds, 2),
            "elapsed_s": round(run.seconds, 2), "timed_out": run.timed_out, "exit_code": run.exit_code,
            "peak_rss_mb": round(run.peak_rss_mb), "estimate_s": None if estimate is None else round(estimate),
            "consistent": state.consistent, "why": state.why, "runs": state.runs,
            "first_day": None if state.first_day is None else state.first_day.isoformat(),
            "last_day": None if state.last_day is None else state.last_day.isoformat(),
            "log": str(run.log), "tail": "" if done.seconds is not None else run.tail}


def measure_pages(engine, backend: str, o: Options, echo: Echo, *, naive_too: bool = True) -> dict:  # noqa: ANN001
    """Every persona's pages on a cold cache, then (unless `naive_too` is off) the naive comparisons."""
    with pages.dashboard_on(engine):
        first_view = pages.default_view(engine, pages.Scope("HO"))
        branch = pages.first_branch(engine, first_view.period.end)
        measured: dict = {}
        compared: dict = {}
        for persona in pages.personas(branch):
            view = pages.default_view(engine, persona.scope)
            entry = {"role": persona.role, "scope": persona.scope.unit_code, "period": view.period.key,
                     "start": view.period.start.isoformat(), "end": view.period.end.isoformat(), "pages": {}}
            for page in persona.pages:
                echo(f"{backend}: {persona.name} ({persona.scope.unit_code}) · {page}")
                timing, steps = pages.measure_page(page, view, runs=o.runs)
                entry["pages"][page] = {"median_ms": round(timing.median_ms, 1), "p95_ms": round(timing.p95_ms, 1),
                                        "runs_ms": [round(t, 1) for t in timing.runs_ms],
                                        "steps_ms": {k: round(v, 1) for k, v in steps.items()}}
            measured[persona.name] = entry
            if naive_too and persona.name in ("executive", "branch_leader"):
                compared[persona.name] = compare_naive(engine, view, backend, o, echo)
    return {"pages": measured, "naive": compared}


def pages_only(url: str, o: Options, echo: Echo) -> dict:
    """The pages of a store already loaded (no bank, no load, no naive runs): for measuring a
    change to a page read without the half hour of a whole benchmark."""
    engine = make_engine(url)
    try:
        return measure_pages(engine, engine.dialect.name, o, echo, naive_too=False)["pages"]
    finally:
        engine.dispose()


def compare_naive(engine, view: pages.View, backend: str, o: Options, echo: Echo) -> dict:  # noqa: ANN001
    out = {}
    for case in naive.CASES:
        echo(f"{backend}: naive vs real · {view.code} · {case.name}")
        c = naive.compare(engine, case, view, runs=o.runs, naive_runs=o.naive_runs)
        out[case.name] = {"agree": True, "rows": c.rows, "real_ms": round(c.real.median_ms, 1),
                          "real_p95_ms": round(c.real.p95_ms, 1), "naive_ms": round(c.naive.median_ms, 1),
                          "naive_read_ms": round(c.naive_read.median_ms, 1),
                          "naive_group_ms": round(c.naive_group.median_ms, 1), "ratio": round(c.ratio, 2),
                          "ratio_reads_alone": round(c.naive_read.median_ms / c.real.median_ms, 2),
                          "ratio_reads_cached": round(c.naive_group.median_ms / c.real.median_ms, 2)}
    return out


def national_day(o: Options, echo: Echo) -> dict:
    """One day of the `day_scale` bank into a store that holds the day before it, as in
    production: the bank is generated for two days; its org, roster, directory, tasks, targets
    and first day are loaded first (not the figure), then the second day's files are timed."""
    logs = o.data_dir / "logs"
    bank = demo_bank(o.data_dir, scale=o.day_scale, seed=o.seed, days=2, log_dir=logs)
    store = fresh_sqlite(o.data_dir / f"{o.day_scale}-day.db")
    name = f"sqlite-{o.day_scale}-day"
    init(store, log_dir=logs, name=name)
    before, day = bank.split_last_day()
    echo(f"national day ({o.day_scale} bank): loading its org, roster, directory, tasks, targets and first day")
    base = load(store, before, label=f"{name}-base", timeout=o.load_timeout, log_dir=logs)
    out = {"scale": o.day_scale, "bank": bank_facts(bank), "base": load_facts(base), "day": None}
    if base.seconds is None:
        out["skipped"] = "the day was not loaded: loading the bank's dimensions and first day did not succeed"
        return out
    echo(f"national day ({o.day_scale} bank): loading one day's {len(day)} files")
    out["day"] = load_facts(load(store, day, label=f"{name}-day", timeout=o.load_timeout, log_dir=logs))
    return out
