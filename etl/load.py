"""Load source files into the store: route → parse and validate → conform → write → rollups.

Guarantees:
- Each file is recorded in etl_run; every quarantined row in etl_reject (file, line, column,
  reason). A bad file fails whole with one message naming the file and the cause.
- Each file's rows for a day land in one transaction or not at all.
- Loading the same bytes again is skipped by checksum; a re-delivered day replaces the
  earlier values of that source for that day.
- A run is `loaded` once its facts are in and `ok` once the rollups of its days are rebuilt,
  so a crash in between is finished by the next load.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from tqdm import tqdm

from etl import files, rollups, writers
from etl.corrections import Correction
from etl.files import SourceError
from etl.parse_ahead import PARSERS, ParseAhead, worth_it
from store import read, write
from store.engine import Engine


@dataclass
class FileResult:
    path: Path
    source: str
    status: str  # ok | skipped | failed | ignored
    rows_in: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_superseded: int = 0
    message: str = ""


@dataclass
class LoadSummary:
    results: list[FileResult] = field(default_factory=list)
    rollup_rows: int = 0
    rollup_days: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [result for result in self.results if result.status == "failed"]

    def lines(self) -> list[str]:
        """One line per source with its counts, then one per failed or ignored file."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])
        for result in self.results:
            if result.status == "ignored":
                continue
            row = totals[result.source]
            row[0] += 1
            row[1] += result.status == "skipped"
            row[2] += result.rows_in
            row[3] += result.rows_loaded
            row[4] += result.rows_rejected
            row[5] += result.rows_superseded
        # rows in: lines of an extract, exchanges of a WeCom log (one exchange may carry many
        # staff-day rows); superseded: rows replaced by a later row for the same key in the file.
        header = ("source", "files", "skipped", "rows in", "loaded", "rejected", "superseded")
        out = ["{:<16}{:>7}{:>9}{:>11}{:>11}{:>10}{:>12}".format(*header)]
        for source in files.SOURCE_ORDER:
            if source in totals:
                out.append("{:<16}{:>7}{:>9}{:>11}{:>11}{:>10}{:>12}".format(source, *totals[source]))
        out.append(f"rollups: {self.rollup_rows} rows rebuilt for {self.rollup_days} day(s)")
        out += [f"FAILED {r.path.name}: {r.message}" for r in self.failed]
        out += [f"ignored {r.path.name}: {r.message}" for r in self.results if r.status == "ignored"]
        return out


def discover(paths: list[Path]) -> list[tuple[str | None, Path]]:
    """Every file under `paths`, routed, in load order (dimensions first, then by name)."""
    found = []
    for path in paths:
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        found += [(files.route(p), p) for p in candidates]
    order = {source: i for i, source in enumerate(files.SOURCE_ORDER)}
    return sorted(found, key=lambda item: (order.get(item[0], len(order)), item[1].name))


def load_paths(engine: Engine, paths: list[Path], *, force: bool = False, progress: bool = False,
               parse_ahead: bool = False) -> LoadSummary:
    """Load `paths` (files or folders); `parse_ahead`: parse the next files in a second
    process while one is written, if the load is big enough to gain (see etl.parse_ahead;
    `etl load` asks for it unless told --no-parse-ahead)."""
    summary = LoadSummary()
    routed = discover(paths)
    # Started first: the worker parses the first file while the store is read below.
    ahead = ParseAhead(routed) if parse_ahead and worth_it(routed) else None
    bar = tqdm(routed, desc="files", unit="file", disable=not progress)
    try:
        touched: dict[date, set[str]] = {day: set(rollups.GRAINS) for day in _recover_interrupted(engine)}
        fixes: dict[date, Correction] = {}  # staff-day rows corrected on days already rolled up
        history = writers.Histories.read(engine)
        for source, path in bar:
            bar.set_postfix_str(path.name)
            if source is None or source not in writers.WRITERS:
                why = "name matches no source" if source is None else f"no loader for {source} yet"
                summary.results.append(FileResult(path, source or "", "ignored", message=why))
                continue
            result, days, corrected = load_file(engine, source, path, history, force=force, ahead=ahead)
            summary.results.append(result)
            for day, grains in days.items():
                touched.setdefault(day, set()).update(grains)
            for day, correction in corrected.items():  # a later file's correction follows an earlier one's
                fixes[day] = fixes[day].then(correction) if day in fixes else correction
    finally:
        bar.close()
        if ahead is not None:
            ahead.close()
    summary.rollup_days = len(set(touched) | set(fixes))
    summary.rollup_rows = rollups.rebuild(engine, touched, progress=progress, histories=(history.org, history.staff),
                                          corrections=fixes)
    with engine.begin() as connection:
        pending = read.runs_awaiting_rollup(connection)
        write.set_run_status(connection, [int(i) for i in pending["id"]], "ok")
    if summary.rollup_days or any(result.status == "ok" for result in summary.results):
        write.refresh_planner_statistics(engine)  # the pages' plans follow what was just loaded
    return summary


def load_file(
    engine: Engine, source: str, path: Path, history: writers.Histories, *, force: bool = False,
    ahead: ParseAhead | None = None,
) -> tuple[FileResult, dict[date, frozenset[str]], dict[date, Correction]]:
    """Load one file; return its result, the days whose rollups it changed, each with the
    grains that changed, and the rolled-up days it corrected (etl.corrections)."""
    digest = files.checksum(path)
    if not force and write.loaded_checksum(engine, source=source, name=path.name, checksum=digest):
        return FileResult(path, source, "skipped", message="already loaded"), {}, {}
    run_id = write.start_run(engine, source=source, file=str(path), checksum=digest)
    try:
        parse = {"parse": ahead.parser(source, path)} if ahead is not None and source in PARSERS else {}
        outcome = writers.WRITERS[source](engine, run_id, path, history, **parse)
    except SourceError as problem:
        write.finish_run(engine, run_id, status="failed", message=str(problem))
        return FileResult(path, source, "failed", message=str(problem)), {}, {}
    except Exception as problem:  # record the failure, then let the bug surface
        write.finish_run(engine, run_id, status="failed", message=f"internal error: {problem!r}")
        raise
    days = sorted(outcome.days)
    write.finish_run(
        engine,
        run_id,
        status="loaded",
        rows_in=outcome.rows_in,
        rows_loaded=outcome.rows_loaded,
        rows_rejected=outcome.rows_rejected,
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )
    result = FileResult(
        path, source, "ok", outcome.rows_in, outcome.rows_loaded, outcome.rows_rejected, outcome.rows_superseded
    )
    return result, dict.fromkeys(outcome.touched, outcome.grains), outcome.corrected


def _recover_interrupted(engine: Engine) -> list[date]:
    """Finish what a killed loader left: its half-done files reload (their runs are marked
    interrupted), and the days of runs that loaded facts but not rollups are rebuilt."""
    write.mark_interrupted(engine)
    with engine.begin() as connection:
        pending = read.runs_awaiting_rollup(connection)
        read_days = read.fact_days(connection) if not pending.empty else []
    if pending.empty:
        return []
    first = min(d for d in pending["first_day"] if d is not None) if pending["first_day"].notna().any() else None
    return [day for day in read_days if first is None or day >= first]
