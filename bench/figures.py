"""The budgets of DESIGN §7 and one row per figure, judged against them.

Budgets hold for SQLite (the embedded store); PostgreSQL figures are shown alongside with no
verdict. They are defined for the large bank (the national bank for the day): on a smaller
bank a PASS only says the code path works, which the table's title says too.
"""

from __future__ import annotations

LOAD_BUDGET_S = 300.0  # the large bank's full year, 2 cores
YEAR_DAYS = 365  # a bank of fewer days is judged on its load's pace over a year
DAY_BUDGET_S = 20.0  # one national day
RSS_BUDGET_MB = 2048.0  # any load, whatever the history length
PAGE_BUDGET_MS = 200.0  # every page's data, median, uncached, SQLite
RATIO_BUDGET = 20.0  # real page data at least this many times faster than the naive approach

PASS, MISS, INCOMPLETE, SKIPPED, NONE = "PASS", "MISS", "INCOMPLETE", "SKIPPED", "—"


def row(group: str, figure: str, store: str, shown: str, *, p95: str = "", budget: str = NONE,
        status: str = NONE, value: float | None = None) -> dict:
    return {"group": group, "figure": figure, "store": store, "value": value, "shown": shown, "p95": p95,
            "budget": budget, "status": status}


def judge(value: float | None, limit: float, *, at_most: bool = True) -> str:
    if value is None:
        return INCOMPLETE
    return PASS if (value <= limit if at_most else value >= limit) else MISS


def figures(result: dict) -> list[dict]:
    """Every figure of one run, in table order."""
    rows = []
    for backend, store in result["stores"].items():
        rows += load_rows(result, backend, store)
    rows += national_rows(result["national_day"])
    for backend, store in result["stores"].items():
        rows += page_rows(backend, store)
    for backend, store in result["stores"].items():
        rows += naive_rows(backend, store)
    return rows


def _seconds(load: dict | None) -> str:
    if load is None:
        return "not run"
    if load["timed_out"]:
        estimate = f"; at its pace ≥ {load['estimate_s']:,} s" if load["estimate_s"] else ""
        return f"stopped at {load['elapsed_s']:,.0f} s (time limit{estimate})"
    if load["exit_code"] != 0:
        return f"failed (exit {load['exit_code']}, {load['elapsed_s']:.1f} s)"
    return f"{load['seconds']:,.1f} s"


def _memory(group: str, figure: str, backend: str, loads: list[dict | None], *, finished: bool) -> dict:
    """Peak RSS over `loads`; a load stopped early only proves a MISS, never a PASS."""
    peak = max(x["peak_rss_mb"] for x in loads if x)
    budgeted = backend == "sqlite"
    status = judge(peak, RSS_BUDGET_MB) if finished or peak > RSS_BUDGET_MB else INCOMPLETE
    return row(group, figure, backend, f"{peak:,.0f} MB", value=peak,
               budget=f"≤ {RSS_BUDGET_MB:,.0f} MB" if budgeted else NONE, status=status if budgeted else NONE)


def load_rows(result: dict, backend: str, store: dict) -> list[dict]:
    if "history" not in store:
        return [row("load", "full load", backend, store.get("skipped", "not run"), status=SKIPPED)]
    history, day, bank = store["history"], store["day"], result["bank"]
    finished = day is not None and day["seconds"] is not None
    if finished:
        whole = history["seconds"] + day["seconds"]
        shown = f"{whole:,.1f} s (history {history['seconds']:,.1f} + last day {day['seconds']:,.1f})"
    else:
        whole = None
        shown = _seconds(history) if history["seconds"] is None else f"last day {_seconds(day)}"
    sqlite = backend == "sqlite"
    status = MISS
    if finished:
        status, year = _judge_year(whole, bank["days"])
        shown += year
    return [
        row("load", f"full load: {bank['days']} days, {bank['staff']:,} staff ({store['files']} files)", backend, shown,
            value=whole, budget=f"≤ {LOAD_BUDGET_S:.0f} s a year" if sqlite else NONE,
            status=status if sqlite else NONE),
        row("load", "  of which the last day, into the loaded store", backend, _seconds(day),
            value=None if day is None else day["seconds"]),
        _memory("load", "  peak memory of the loader", backend, [history, day], finished=finished),
    ]


def _judge_year(seconds: float, days: int) -> tuple[str, str]:
    """The full-year budget on a load of `days`: judged as it is for a year or more; for a
    shorter bank on its pace over a year (seconds × 365 ÷ days, dimension files included, so it
    overstates a little): a MISS when that is over budget, never a PASS (INCOMPLETE) when not."""
    if days >= YEAR_DAYS:
        return judge(seconds, LOAD_BUDGET_S), ""
    year = seconds * YEAR_DAYS / days
    status = MISS if year > LOAD_BUDGET_S else INCOMPLETE
    return status, f"; ≈ {year:,.0f} s a year at this pace"


def national_rows(national: dict) -> list[dict]:
    bank, base, day = national["bank"], national["base"], national["day"]
    finished = day is not None and day["seconds"] is not None
    label = f"one day of the {national['scale']} bank ({bank['staff']:,} staff) into a store holding the day before"
    return [
        row("national day", label, "sqlite", _seconds(day), value=day["seconds"] if finished else None,
            budget=f"≤ {DAY_BUDGET_S:.0f} s", status=judge(day["seconds"], DAY_BUDGET_S) if finished else MISS),
        row("national day", "  before it: its org, roster, directory, tasks, targets and first day", "sqlite", _seconds(base),
            value=base["seconds"]),
        _memory("national day", "  peak memory of the loader", "sqlite", [base, day], finished=finished),
    ]


def page_rows(backend: str, store: dict) -> list[dict]:
    if "pages" not in store:
        return [row("pages", "page data", backend, store.get("skipped", "not run"), status=SKIPPED)]
    rows = []
    for persona, entry in store["pages"].items():
        for page, timing in entry["pages"].items():
            figure = f"{page} · {persona} ({entry['scope']}, {entry['period']})"
            sqlite = backend == "sqlite"
            rows.append(row("pages", figure, backend, f"{timing['median_ms']:,.0f} ms",
                            p95=f"{timing['p95_ms']:,.0f} ms", value=timing["median_ms"],
                            budget=f"≤ {PAGE_BUDGET_MS:.0f} ms" if sqlite else NONE,
                            status=judge(timing["median_ms"], PAGE_BUDGET_MS) if sqlite else NONE))
    return rows


def naive_rows(backend: str, store: dict) -> list[dict]:
    if "naive" not in store:
        return []
    rows = []
    for persona, cases in store["naive"].items():
        for case, c in cases.items():
            shown = (f"{c['ratio']:,.1f}× (reads alone {c['ratio_reads_alone']:,.1f}×; real {c['real_ms']:,.0f} ms, "
                     f"naive {c['naive_ms']:,.0f} = read {c['naive_read_ms']:,.0f} "
                     f"+ group {c['naive_group_ms']:,.0f} ms)")
            rows.append(row("naive ÷ real", f"{case} · {persona}", backend, shown, value=c["ratio"],
                            budget=f"≥ {RATIO_BUDGET:.0f}×" if backend == "sqlite" else NONE,
                            status=judge(c["ratio"], RATIO_BUDGET, at_most=False) if backend == "sqlite" else NONE))
    return rows


def verdict(rows: list[dict]) -> str:
    judged = [r for r in rows if r["status"] not in (NONE,)]
    passed = sum(r["status"] == PASS for r in judged)
    return f"{passed} of {len(judged)} budgeted figures PASS"
