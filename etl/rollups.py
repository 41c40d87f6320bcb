"""Rebuild rollup_day for the days a load touched.

Works in windows of up to two weeks so that memory is bounded by a window's facts, never the
history: the live-contact snapshot is carried from day to day inside a window, and across
windows and loads through store.live_pack (the live counts at the end of the newest window);
only a rebuild that starts on another day counts them from fact_contact (one scan). A day already rolled up has only the grains
its changed facts feed rebuilt (a behaviour re-pull leaves the day's customer and sales rows).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import date, timedelta

import pandas as pd
from tqdm import tqdm

from etl.corrections import Correction, apply as apply_correction
from kpi import rollup as r
from store import live_counts, live_pack, read, write
from store import staff_month
from store.engine import Engine, is_in_memory
from store.staff_append import NewDay
from store.schema import COMPONENTS, rollup_day

WINDOW_DAYS = 14
ACTIVE_DAYS = r.ACTIVE_DAYS
# The grains of rollup_day (docs/rollup.md), each fed by its own facts: staff-day behaviour
# (WeCom pulls, tasks, interceptions), contact relations, sales.
BEHAVIOUR, CUSTOMER, CONVERSION = write.ROLLUP_GRAINS
GRAINS = write.ROLLUP_GRAINS


def windows(days: Iterable[date]) -> Iterator[list[date]]:
    """Consecutive runs of the sorted days, cut to at most WINDOW_DAYS each."""
    run: list[date] = []
    for day in sorted(set(days)):
        if run and (day - run[-1] != timedelta(days=1) or len(run) == WINDOW_DAYS):
            yield run
            run = []
        run.append(day)
    if run:
        yield run


def rebuild(engine: Engine, days: Iterable[date] | Mapping[date, Collection[str]], *, progress: bool = False,
            histories: tuple[pd.DataFrame, pd.DataFrame] | None = None,
            corrections: Mapping[date, Correction] | None = None) -> int:
    """Rebuild the rollups of `days`; return the number of rollup rows written.

    `days` maps each day to the grains (GRAINS) whose facts changed on it, or lists days to
    rebuild whole. A day with no rollup rows yet is built whole whatever changed: its other
    grains' snapshots (relations live, the roster's counts) exist whether or not a file
    brought facts for them. Why grains: each day's WeCom pull re-pulls the day before, and
    re-reading that day's contact events and sales for an unchanged customer and conversion
    grain cost a national day seconds.

    `histories` is the (org, staff) history the loader already holds, if it does: a national
    roster is a million versions, and reading it again cost seconds of a day's load.

    `corrections`: staff-day rows a load changed on days already rolled up (etl.corrections);
    such a day's behaviour grain is corrected rather than rebuilt, unless it is rebuilt anyway."""
    wanted = {day: set(grains) for day, grains in days.items()} if isinstance(days, Mapping) else {
        day: set(GRAINS) for day in days}
    corrections = dict(corrections or {})
    if not wanted and not corrections:
        return 0
    # "Active in the last 7 days" on a day counts the behaviour of the 6 days before it, so a
    # changed behaviour day changes the behaviour grain of the 6 days after it as well.
    changed = {day for day, grains in wanted.items() if BEHAVIOUR in grains} | set(corrections)
    after = {day + timedelta(days=n) for day in changed for n in range(1, ACTIVE_DAYS)}
    with engine.connect() as connection:
        present = read.rolled_up_days(connection, set(wanted) | after | set(corrections))
        if histories is None:
            histories = read.org_history(connection), read.staff_history(connection)
    for day in after & present:
        wanted.setdefault(day, set()).add(BEHAVIOUR)
    fixes = {day: fix for day, fix in corrections.items() if day in present and BEHAVIOUR not in wanted.get(day, ())}
    for day in set(corrections) - set(fixes):  # never rolled up, or rebuilt anyway: whole
        wanted.setdefault(day, set()).add(BEHAVIOUR)
    needs = {day: frozenset(grains) if day in present else frozenset(GRAINS) for day, grains in wanted.items()}
    org, staff = histories
    chains = ChainCache(org)
    written = sum(apply_correction(engine, day, fix, org=org, staff=staff, chains=chains.on(day))
                  for day, fix in sorted(fixes.items()))
    days = sorted(needs)
    bar = tqdm(total=len(days), desc="rollups", unit="day", disable=not progress)
    carried: tuple[date, pd.Series] | None = None
    newest: NewDay | None = None
    for window in windows(days):
        count, carried, newest = _rebuild_window(engine, {day: needs[day] for day in window}, org, staff, chains,
                                                 carried)
        written += count
        bar.update(len(window))
    bar.close()
    days = sorted(set(days) | set(fixes))
    # The month tables: rollup_month (the pages' period reads) sums the day rows just written,
    # in SQL, while the staff month tables' advance is computed in Python (the two overlap on a
    # second core; the staff tables are written once the month rollups are in).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="month-rollups") as pool:
        months = _month_rollups(pool, engine, days, set(fixes))
        staff_month.rebuild_months(engine, days, history=staff,  # per-staff month sums for the staff pages
                                   corrected={day: fix.staff for day, fix in fixes.items()},
                                   newest=newest if newest is not None and newest.day == max(days) else None,
                                   ready=months.result)
        months.result()  # its failure, if the staff months never waited for it
    return written


def _month_rollups(pool: ThreadPoolExecutor, engine: Engine, days: list[date], corrected: set[date]) -> Future:
    """rollup_month and its companions rebuilt for the months of `days` in one transaction of
    their own, in `pool`'s thread (inline for an in-memory SQLite store: a second connection
    would open another database). Only the blocks of `days` are summed again; of days
    corrected alone, only the behaviour rows."""
    from store.month_rollups import months_of, rebuild_month_rollups

    def run() -> None:
        with engine.begin() as connection:
            rebuild_month_rollups(connection, months_of(days), days=days, corrected=corrected)

    if not is_in_memory(engine):
        return pool.submit(run)
    done: Future = Future()
    run()
    done.set_result(None)
    return done


class ChainCache:
    """Outlet → ancestor chains per day, recomputed only when the org of the day changes (a
    reorganisation), not for every day. What r.unit_chains chooses from on a day (the versions
    valid then, a closed unit's last version begun, the merges done) follows from which versions
    have begun and which have ended by then; both only grow with the day, so their counts are
    the key."""

    def __init__(self, org: pd.DataFrame) -> None:
        self.org = org
        self.cache: dict[tuple[int, int], pd.DataFrame] = {}

    def on(self, day: date) -> pd.DataFrame:
        key = (int((self.org["valid_from"] <= day).sum()), int((self.org["valid_to"] <= day).sum()))
        if key not in self.cache:
            self.cache[key] = r.unit_chains(self.org, day)
        return self.cache[key]


def _rebuild_window(
    engine: Engine, needs: dict[date, frozenset[str]], org: pd.DataFrame, staff: pd.DataFrame, chains: ChainCache,
    carried: tuple[date, pd.Series] | None,
) -> tuple[int, tuple[date, pd.Series] | None, NewDay | None]:
    """Rebuild the grains `needs` names for each day of one window; return the rows written,
    the live relations at its end (None if no day needed the customer grain), which are
    the next window's starting point when it begins the day after (and the next load's, packed):
    counting live relations from fact_contact scans every relation ever added, and the facts
    of its last day if it was built whole (the staff month tables advance by them). Only the
    facts of the grains some day needs are read, from the first day that needs them."""
    window = sorted(needs)
    end = window[-1]
    first = {grain: min((d for d in window if grain in needs[d]), default=None) for grain in GRAINS}
    behaviour, conversions, events, live = None, None, {}, None
    with engine.connect() as connection:
        if (start := first[BEHAVIOUR]) is not None:
            behaviour = (read.staff_day_facts(connection, start=start, end=end),
                         read.active_staff_days(connection, start=start - timedelta(days=ACTIVE_DAYS - 1), end=end))
        if (start := first[CUSTOMER]) is not None:
            if carried is not None and carried[0] == start - timedelta(days=1):
                live = carried[1]
            elif (live := live_pack.read(connection, start - timedelta(days=1))) is None:
                live = _series(read.contact_live_before(connection, day=start), "live")
            events = {name: read.contact_events(connection, start=start, end=end, event=name)
                      for name in ("added_on", "removed_on", "first_chat_on")}
        if (start := first[CONVERSION]) is not None:
            conversions = read.conversion_facts(connection, start=start, end=end)
    written = 0
    for day in window:
        contacts = None
        if live is not None and day >= first[CUSTOMER]:  # live is carried through every later day
            added, removed, chats = (_series(events[e][events[e]["day"] == day], "n") for e in events)
            live = r.advance_live(live, added, removed)
            contacts = (live, added, removed, chats)
        grains = needs[day]
        rows = _day_rollup(day, org, staff, behaviour, conversions, contacts, chains.on(day), grains=grains)
        with engine.begin() as connection:
            write.delete_rollup_grains(connection, day, grains)
            for frame in rows:  # each with its own components; the others are 0
                zeros = [c for c in COMPONENTS if c not in frame.columns]
                written += write.insert_rows(connection, rollup_day, frame, zeros=zeros)
            if CUSTOMER in grains:
                live_counts.record_live(connection, day, live, last=day == end)  # per-staff live counts
            if live is not None and day == end:
                live_pack.write(connection, day, live)  # where the next load's rebuild can start
    newest = None
    if needs[end] >= set(GRAINS):  # read whole: the month tables can be advanced by this day's facts
        newest = NewDay(end, behaviour[0][behaviour[0]["day"] == end], conversions[conversions["day"] == end])
    return written, ((end, live) if live is not None else None), newest


def _day_rollup(
    day: date,
    org: pd.DataFrame,
    staff: pd.DataFrame,
    behaviour: tuple[pd.DataFrame, pd.DataFrame] | None,
    conversions: pd.DataFrame | None,
    contacts: tuple[pd.Series, pd.Series, pd.Series, pd.Series] | None,
    chains: pd.DataFrame,
    *,
    grains: Collection[str] = GRAINS,
) -> list[pd.DataFrame]:
    """One day's rollup rows of `grains`, one frame per grain. `behaviour` is (the window's
    staff-day facts, the active staff-days from ACTIVE_DAYS - 1 days before the window on);
    each input is needed only for its grain."""
    roster = r.staff_on(staff, org, day)
    parts = []
    if BEHAVIOUR in grains:
        facts, active_days = behaviour
        week = active_days[(active_days["day"] > day - timedelta(days=ACTIVE_DAYS)) & (active_days["day"] <= day)]
        today = facts[facts["day"] == day].drop(columns=["day"])
        parts.append(r.behaviour_components(roster, today, week["staff_id"].unique()))
    if CUSTOMER in grains:
        parts.append(r.customer_components(*contacts).assign(department=r.ALL))
    if CONVERSION in grains:
        parts.append(r.conversion_components(conversions[conversions["day"] == day].drop(columns=["day"])))
    # Each grain is rolled up and written with its own components only (a component lives in
    # one grain and is 0 on the others' rows), which keeps a national day's frames small.
    rolled = [r.roll_up(p[[c for c in p.columns if c == "staff_id" or c in r.DIMENSIONS or c in COMPONENTS]],
                        roster, chains) for p in parts if not p.empty]
    return [p.assign(day=day) for p in rolled if not p.empty]


def _series(frame: pd.DataFrame, value: str) -> pd.Series:
    if frame.empty:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_tuples([], names=r.KEY))
    return frame.groupby(r.KEY)[value].sum()


ROW_KEYS = ["unit_code", "level", "parent_code", *r.DIMENSIONS]


def day_rollup_rows(day: date, org: pd.DataFrame, staff: pd.DataFrame, facts: pd.DataFrame,
                    conversions: pd.DataFrame, contacts: tuple[pd.Series, pd.Series, pd.Series, pd.Series],
                    chains: pd.DataFrame) -> pd.DataFrame:
    """One day's rollup rows as rollup_day holds them (every component, 0 where a grain has
    none), from staff-day facts covering the ACTIVE_DAYS before it: for computing rollups
    from raw facts (bench/naive.py)."""
    active = facts.loc[(facts["chat_cnt"].fillna(0) > 0) | (facts["new_contact_cnt"].fillna(0) > 0), ["day", "staff_id"]]
    grains = _day_rollup(day, org, staff, (facts, active), conversions, contacts, chains)
    rows = pd.concat(grains, ignore_index=True).reindex(columns=[*ROW_KEYS, *COMPONENTS])
    rows[COMPONENTS] = rows[COMPONENTS].fillna(0)
    return rows.assign(day=day)
