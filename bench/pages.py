"""Page data, uncached: the very `dashboard.data` calls each page makes on its first view.

Why the dashboard's own functions and not a copy: a copy of the read + compute pairs would be
measured instead of the code people use, and would drift from it. Importing dashboard.data
imports streamlit but starts none of its runtime (no server, no script run); outside a runtime
dashboard.data keeps its entries in memory, and every measured page view starts with that
cache cleared, so each view pays every read and computation once — and, like the real first
view, reuses what an earlier call of the same view cached (e.g. incentives reading the staff
metrics twice). The engine the dashboard would open from settings is replaced by the store
under test for the duration of a measurement.

Each page function below follows its page script (dashboard/app_pages/<page>.py) top to
bottom with the page's defaults: the unit in view is the persona's scope root, the period
the latest month, no department filter. Interactions (clicks, the bulletin download) are not
part of a first view.
"""

from __future__ import annotations

import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date


from bench.timing import Recorder, Timing
from dashboard import compare_view, conversion_view, data, drilldown_view, incentives_view, overview_view
from dashboard import periods as period_keys
from dashboard import targets_view
from dashboard.periods import Period
from store.engine import Engine
from store.pages import Scope
from store.users import PAGES_BY_ROLE

# dashboard/app_pages/overview.py's ADOPTION (a page script cannot be imported; tests/bench
# checks that the two agree).
ADOPTION = ("staff_cnt", "contact_enabled_cnt", "contact_enabled_rate", "active_7d_cnt", "active_staff_rate",
            "new_contact_cnt")
CHILD_LEVEL = {"head_office": "province", "province": "branch", "branch": "outlet"}
HEALTH_RUN_LIMIT = 200  # the health page's default of RUN_LIMITS


@dataclass(frozen=True)
class View:
    """What a page is opened on: the caller's scope (its root is the unit in view) and period."""

    scope: Scope
    period: Period

    @property
    def code(self) -> str:
        return self.scope.unit_code


def overview(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    here = q(data.lineage, s, code, p.end).iloc[-1]
    q(data.unit_metrics, s, code, p.start, p.end, overview_view.HEADLINES, None)
    q(data.attainment, s, code, p.key, p.start, p.end, False, None)
    if here["level"] == "outlet":
        return
    first = q(data.data_period)[0]
    daily = q(data.daily_metrics, s, CHILD_LEVEL[here["level"]], code, first, p.end, (overview_view.S_CURVE,), None)
    if not daily.empty:
        q(data.plan, s, overview_view.S_CURVE, code, p.end)
    q(data.attainment, s, code, p.key, p.start, p.end, True, None)
    q(data.child_metrics, s, code, p.start, p.end, ADOPTION, None)


def drilldown(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    here = q(data.lineage, s, code, p.end).iloc[-1]
    q(data.unit_metrics, s, code, p.start, p.end, drilldown_view.HEADLINE, None)
    before = _previous(q, p)
    if before:
        q(data.unit_metrics, s, code, before.start, before.end, drilldown_view.HEADLINE, None)
    if here["level"] == "outlet":
        q(data.staff_metrics_in, s, code, p.start, p.end, None)
    else:
        q(data.child_metrics, s, code, p.start, p.end, drilldown_view.CHILD_METRICS, None)


def compare(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    q(data.lineage, s, code, p.end)
    q(data.subtree_units, s, code, p.end)
    q(data.level_metrics, s, "outlet", code, p.start, p.end, compare_view.LEAGUE_METRICS, None)
    before = _previous(q, p)
    if before:
        q(data.level_metrics, s, "outlet", code, before.start, before.end, compare_view.LEAGUE_METRICS, None)
    axes = (compare_view.X_CHOICES[0], compare_view.Y_CHOICES[0])
    q(data.unit_metrics, s, code, p.start, p.end, axes, None)


def workload(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    q(data.lineage, s, code, p.end)
    q(data.subtree_units, s, code, p.end)
    q(data.staff_metrics, s, code, p.start, p.end)


def conversion(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    here = q(data.lineage, s, code, p.end).iloc[-1]
    if here["level"] != "outlet":
        q(data.child_metrics, s, code, p.start, p.end, ("contacts_added",))
    q(data.unit_metrics, s, code, p.start, p.end, conversion_view.METRICS, None)
    before = _previous(q, p)
    if before:
        q(data.unit_metrics, s, code, before.start, before.end, conversion_view.RATES, None)
    q(data.split_metrics, s, code, p.start, p.end, conversion_view.METRICS, (conversion_view.SPLITS[0],), None)
    weekly = p.days > conversion_view.WEEKLY_AFTER_DAYS
    q(data.unit_trend, s, code, p.start, p.end, conversion_view.METRICS, weekly, None)


def targets(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    periods = targets_view.newest_first(q(data.target_periods, s))
    if not periods:
        return
    q(data.lineage, s, code, p.end)
    units = q(data.subtree_units, s, code, p.end)
    cells = q(data.targets, s, periods[0], code, p.end)
    q(targets_view.reconciliation, cells, units)


def incentives(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    first, last = q(data.data_period)
    windows = incentives_view.target_windows(q(data.target_periods, s), first=first, last=last)
    if not windows:
        return
    tperiod = p.key if p.key in windows else next(iter(windows))
    start, end = windows[tperiod]
    q(data.lineage, s, code, p.end)
    q(data.subtree_units, s, code, end)
    q(data.incentive_targets, s, tperiod, code, start, end)
    q(data.payout_curves, s, "approved", step="payout_curves")
    q(data.payout_curves, s, None, step="payout_curves")
    q(data.staff_metrics_in, s, code, start, end, None)  # cached by incentive_targets, as on the page


def health(q: Recorder, v: View) -> None:
    s, p, code = v.scope, v.period, v.code
    q(data.health_freshness, s, date.today())
    q(data.health_run_facets, s)
    q(data.health_runs, s, HEALTH_RUN_LIMIT, (), ())
    q(data.health_rejects, s)
    q(data.health_reject_counts, s, None)
    q(data.lineage, s, code, p.end)
    q(data.health_coverage, s, code, p.start, p.end)


def _previous(q: Recorder, p: Period) -> Period | None:
    return period_keys.previous(p, first=q(data.data_period)[0])


PAGES: dict[str, Callable[[Recorder, View], None]] = {
    "overview": overview, "drilldown": drilldown, "compare": compare, "workload": workload,
    "conversion": conversion, "targets": targets, "incentives": incentives, "health": health,
}


@dataclass(frozen=True)
class Persona:
    name: str
    role: str
    scope: Scope
    pages: tuple[str, ...]


def personas(first_branch: str) -> list[Persona]:
    """Executive and HR see the bank, a branch leader the first branch by code (the demo's
    branch-leader persona), the data administrator the health page. A page already measured
    for the same scope is not measured again: it makes exactly the same calls."""
    wanted = [("executive", "executive", "HO"), ("branch_leader", "branch_leader", first_branch),
              ("hr", "hr_ops", "HO"), ("admin", "admin", "HO")]
    measured: set[tuple[str, str]] = set()
    out = []
    for name, role, root in wanted:
        pages = tuple(page for page in PAGES_BY_ROLE[role] if (root, page) not in measured)
        measured |= {(root, page) for page in pages}
        out.append(Persona(name, role, Scope(root), pages))
    return out


@contextmanager
def dashboard_on(engine: Engine) -> Iterator[None]:
    """dashboard.data reading `engine`, with its caches empty before and after."""
    original = data.engine
    data.engine = lambda: engine
    data.clear_reads()
    try:
        yield
    finally:
        data.engine = original
        data.clear_reads()


def cold(function: Callable, *args: object) -> object:
    """`function(*args)` with every dashboard cache empty (an uncached call)."""
    data.clear_reads()
    return function(*args)


def measure_page(page: str, view: View, *, runs: int) -> tuple[Timing, dict[str, float]]:
    """A page's first view `runs` times on a cold cache: its timing and each step's median ms."""
    totals, steps = [], defaultdict(list)
    for attempt in range(runs + 1):
        data.clear_reads()
        q = Recorder()
        started = time.perf_counter()
        PAGES[page](q, view)
        elapsed = (time.perf_counter() - started) * 1000
        if attempt:  # the first run warms the connection pool and the OS file cache
            totals.append(elapsed)
            for step, seconds in q.steps.items():
                steps[step].append(seconds * 1000)
    return Timing(totals), {step: statistics.median(values) for step, values in steps.items()}


def default_view(engine: Engine, scope: Scope) -> View:
    """The sidebar's default: the latest month of the data, clipped to the days loaded."""
    with dashboard_on(engine):
        first, last = data.data_period()
    return View(scope, period_keys.default(first=first, last=last))


def first_branch(engine: Engine, day: date) -> str:
    with dashboard_on(engine):
        return data.first_unit_at("branch", day)
