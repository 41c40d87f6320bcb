"""Staff-level reads for one subtree (drill-down to staff, workload, incentives).

Placement follows the rollups: a fact belongs to the outlet its staff member was in on the
fact's own day. `staff_sums` (the pages' read) sums in SQL, from staff_month for the whole
months of a period and from the facts for its other days, and returns one row per staff
member; kpi.staff.staff_metrics_from_sums turns them into metrics. Whole months, and a roster
on a month's last day with facts, come from store.staff_pack instead when it has them: the
same rows, without a whole bank's rows crossing the driver one value at a time. `subtree_staff` fetches
the raw candidates for kpi.staff.staff_metrics, which places them in pandas: the reference
the fast read is tested against.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, Engine, Select, case, func, or_, select, union_all

from store import staff_month as sm
from store import staff_pack
from store.pages import Scope, lineage, subtree_codes
from store.read import frame
from store.schema import (STAFF_SALES, fact_contact, fact_conversion, fact_staff_day, org_unit, staff, staff_live,
                          staff_month)

ROSTER = ["staff_id", "name", "outlet_code", "role", "wecom_status", "contact_enabled", "managed_customers"]
SNAPSHOTS = ["chat_total", "chat_has_msg", "member_total", "member_has_msg"]


def subtree_staff(engine: Engine, *, scope: Scope, under: str, start: date, end: date) -> dict[str, pd.DataFrame]:
    """Everything needed to place and measure the staff of `under` over [start, end]:
    org and roster histories (of the subtree), staff-day facts, conversions, and each staff
    member's relations live at `end` by kind."""
    lineage(engine, scope=scope, code=under, day=end)  # refuse anything outside scope
    outlets = subtree_codes(engine, root=under, day=end, level="outlet")
    s = staff.c
    roster = select(*[c for c in staff.c if c.name != "id"]).where(
        s.outlet_code.in_(outlets), s.valid_from <= end, or_(s.valid_to.is_(None), s.valid_to > start)
    )
    with engine.connect() as connection:
        versions = frame(connection, roster)
        ids = sorted(set(versions["staff_id"]))
        org = frame(connection, select(*[c for c in org_unit.c if c.name != "id"]))
        facts = frame(connection, select(fact_staff_day).where(
            fact_staff_day.c.staff_id.in_(ids), fact_staff_day.c.day.between(start, end)))
        sales = frame(connection, select(fact_conversion).where(
            fact_conversion.c.staff_id.in_(ids), fact_conversion.c.day.between(start, end)))
        c = fact_contact.c
        live = frame(connection, select(c.staff_id, c.kind, func.count().label("contacts_live")).where(
            c.staff_id.in_(ids), c.added_on <= end, or_(c.removed_on.is_(None), c.removed_on > end)
        ).group_by(c.staff_id, c.kind))
    sales["amount"] = sales["amount"].astype(float)
    return {"roster": versions, "org": org, "facts": facts, "conversions": sales, "contacts_live": live,
            "outlets": pd.DataFrame({"outlet_code": outlets})}




def staff_sums(engine: Engine, *, scope: Scope, under: str, start: date, end: date,
               department: str | None = None) -> dict[str, pd.DataFrame]:
    """The staff of `under` over [start, end], summed in SQL: "roster" (each one's latest
    version in the subtree), "sums" (per staff: STAFF_DAYS, flows, weighted-average parts and
    sales — of `department` only, if given), "snapshots" (on the subtree's
    last day with a staff-day fact) and "contacts_live" (per staff × kind at `end`); from
    staff_pack where it holds them (whole months; a roster and live relations at its as_of).

    Raises OutOfScope when `under` is outside the caller's scope."""
    lineage(engine, scope=scope, code=under, day=end)  # refuse anything outside scope
    outlets = subtree_codes(engine, root=under, day=end, level="outlet")
    with engine.connect() as connection:
        months, edges = cover(connection, start, end)
        packed = _packed_sums(connection, months, outlets, department) if months and not edges else None
        if packed is None:
            # Whole months from their packs where every one has one: a month advanced day by
            # day is held by its pack alone (store.staff_append), with no staff_month rows.
            whole = _packed_months(connection, months, outlets, department) if months else []
            parts = _sum_parts(months if whole is None else [], edges, outlets, department)
            sums, last = _per_staff([*(whole or []), *[fetch(connection, p) for p in parts]])
            snapshots = fetch(connection, _snapshots(outlets, last))
        else:
            sums, last, snapshots = packed
        roster_live = _packed_roster(connection, outlets, start, end)
        if roster_live is None:
            roster = fetch(connection, _versions(outlets, start, end)).drop_duplicates("staff_id", keep="last")
            roster_live = roster.reset_index(drop=True), fetch(connection, _live(connection, outlets, start, end))
    return {"roster": roster_live[0], "sums": sums, "snapshots": snapshots, "contacts_live": roster_live[1]}


def _snapshots(outlets: list[str], last: date | None) -> Select:
    """Snapshot columns of the facts placed in `outlets` on `last` (the subtree's last day)."""
    f = fact_staff_day.c
    return (select(f.staff_id, *[f[n] for n in SNAPSHOTS]).select_from(sm.placed(fact_staff_day))
            .where(f.day == (last if isinstance(last, date) else None), staff.c.outlet_code.in_(outlets)))


def _packed_sums(connection: Connection, months: list[date], outlets: list[str],
                 department: str | None) -> tuple[pd.DataFrame, date | None, pd.DataFrame] | None:
    """sums, last day and snapshots of whole `months` from staff_pack, shaped as the SQL
    path's (_month_part + _per_staff + _snapshots); None if a month is not packed."""
    rows = _packed_rows(connection, months, outlets)
    if rows is None or not rows.num_rows:
        return None
    last = pc.max(rows["last_day"]).as_py() if rows["last_day"].null_count < rows.num_rows else None
    snapshots = rows.select(["staff_id", "last_day", *SNAPSHOTS])  # the few columns, before filtering copies them
    on_last = snapshots.filter(pc.equal(snapshots["last_day"], pa.scalar(last, snapshots["last_day"].type))) \
        if last else snapshots.slice(0, 0)
    snapshots = on_last.drop_columns(["last_day"]).to_pandas()
    if department is None:
        return staff_pack.summed_per_staff(rows, sm.SUMMED), last, snapshots
    parts = _department_parts(connection, months, outlets, department, rows)
    return None if parts is None else (_per_staff(parts)[0], last, snapshots)


def _packed_months(connection: Connection, months: list[date], outlets: list[str],
                   department: str | None) -> list[pd.DataFrame] | None:
    """The rows _month_part selects, from staff_pack; None if a month is not packed."""
    if (rows := _packed_rows(connection, months, outlets)) is None:
        return None
    if department is None:
        return [rows.select(["staff_id", "outlet_code", "last_day", *sm.SUMMED]).to_pandas()]
    return _department_parts(connection, months, outlets, department, rows)


def _packed_rows(connection: Connection, months: list[date], outlets: list[str]) -> pa.Table | None:
    """The packed 'all' rows of `months` placed in `outlets`; None if a month is not packed."""
    found = staff_pack.read(connection, months, "sums")
    return staff_pack.rows_in(found[0], "outlet_code", outlets) if found else None


def _department_parts(connection: Connection, months: list[date], outlets: list[str], department: str,
                      rows: pa.Table) -> list[pd.DataFrame] | None:
    """Behaviour from the packed 'all' `rows`, sales from the department's packed rows (as
    _month_part does); None if a month's sales are not packed."""
    sold = staff_pack.read(connection, months, "sales")
    if sold is None:
        return None
    behaviour = rows.select(["staff_id", "outlet_code", "last_day", *sm.SUMMED]).to_pandas()
    sales = staff_pack.rows_in(sold[0], "outlet_code", outlets).to_pandas()
    sales = sales[sales["department"] == department].assign(last_day=None, **{n: 0 for n in sm.BEHAVIOUR})
    return [behaviour.assign(**{n: 0 for n in STAFF_SALES}), sales[behaviour.columns]]


def _packed_roster(connection: Connection, outlets: list[str], start: date,
                   end: date) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """roster and contacts_live from staff_pack when its month of `end` holds that very day."""
    roster = packed_roster(connection, outlets, start, end)
    live = staff_pack.read(connection, [sm.month_start(end)], "live") if roster is not None else None
    if roster is None or live is None or live[1][0] != end:
        return None
    return roster, staff_pack.rows_in(live[0], "staff_id", roster["staff_id"]).to_pandas()


def packed_roster(connection: Connection, outlets: list[str], start: date, end: date,
                  columns: list[str] = ROSTER) -> pd.DataFrame | None:
    """Each member's latest version in `outlets` overlapping [start, end] (the `columns` of
    _versions' last row per staff), from staff_pack when its month of `end` holds that very
    day; None otherwise, or if nobody is there. Each staff × outlet in the pack is its latest
    version begun by `end`; a member's versions follow one another, so the latest in the
    subtree overlapping [start, end] is the latest of those whose outlet is in the subtree, if
    it ends after `start`."""
    found = staff_pack.read(connection, [sm.month_start(end)], "roster")
    if found is None or found[1][0] != end:
        return None
    versions = staff_pack.rows_in(found[0], "outlet_code", outlets, ending_after=start)
    return staff_pack.last_per_staff(versions, columns) if versions.num_rows else None


def fetch(connection: Connection, statement: Select) -> pd.DataFrame:
    """store.read.frame, with the rows fetched at once (row by row costs more than the query
    at a whole bank's staff)."""
    result = connection.execute(statement)
    rows = [tuple(row) for row in result.fetchall()]
    if not rows:
        return frame(connection, statement)  # typed empty columns
    return pd.DataFrame.from_records(rows, columns=list(result.keys()))


def _per_staff(parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, date | None]:
    """Parts summed per staff member (one who moved between outlets has a row per outlet),
    and the last day with a staff-day fact among them (where snapshots are taken)."""
    rows = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    days = rows["last_day"].dropna()
    last = days.max() if not days.empty else None
    rows = rows[["staff_id", *sm.SUMMED]]
    repeated = rows["staff_id"].duplicated(keep=False)
    if repeated.any():  # only the few who moved are grouped: a groupby of all costs more than the read
        summed = rows[repeated].groupby("staff_id", sort=False).sum().reset_index()
        rows = pd.concat([rows[~repeated], summed], ignore_index=True)
    return rows, last


def cover(connection: Connection, start: date, end: date) -> tuple[list[date], list[tuple[date, date]]]:
    """The months of [start, end] read from staff_month — whole months as far as there are
    facts, already built — and the day ranges read from the facts instead."""
    # One MIN or MAX per statement: SQLite answers each from the index, both at once by a scan.
    ends = [connection.execute(select(edge(t.c.day))).scalar() for t in (fact_staff_day, fact_conversion)
            for edge in (func.min, func.max)]
    firsts, lasts = [d for d in ends[::2] if d is not None], [d for d in ends[1::2] if d is not None]
    if not firsts:
        return [], []
    first, last = min(firsts), max(lasts)
    months, cursor = [], sm.month_start(start)
    while cursor <= end:
        months.append(cursor)
        cursor = sm.month_end(cursor) + timedelta(days=1)
    covered = [m for m in months if start <= max(m, first) and end >= min(sm.month_end(m), last)]
    whole = sorted(sm.built_months(connection, covered))
    edges = [(max(start, m), min(end, sm.month_end(m))) for m in months if m not in whole]
    return whole, edges


def _sum_parts(months: list[date], edges: list[tuple[date, date]], outlets: list[str],
               department: str | None) -> list[Select]:
    """Rows of staff_id, outlet_code, last_day and SUMMED placed in `outlets`: staff_month's
    rows of the whole months, and per edge range its facts summed per staff member."""
    inside = [staff.c.outlet_code.in_(outlets)]
    parts = [_month_part(months, outlets, department)] if months else []
    for first, last in edges:
        sold = [*inside, fact_conversion.c.department == department] if department else inside
        rows = union_all(sm.behaviour_rows(first, last, inside), sm.sales_rows(first, last, sold))
        parts.append(sm.summed(rows, ["staff_id"]))
    return parts or [sm.summed(sm.behaviour_rows(date.max, date.min, inside), ["staff_id"])]  # no rows, typed
def _month_part(months: list[date], outlets: list[str], department: str | None) -> Select:
    """staff_month rows shaped like store.staff_month.behaviour_rows: behaviour from the
    'all' rows, sales from the department's rows (or from 'all')."""
    m, sales_from = staff_month.c, department or sm.ALL
    where = [m.month.in_(months), m.outlet_code.in_(outlets)]
    if department is None:
        return select(m.staff_id, m.outlet_code, m.last_day, *[m[n] for n in sm.SUMMED]).where(m.department == sm.ALL, *where)
    mine = m.department == sm.ALL
    columns = [*[case((mine, m[n]), else_=0).label(n) for n in sm.BEHAVIOUR],
               *[case((m.department == sales_from, m[n]), else_=0).label(n) for n in STAFF_SALES]]
    return (select(m.staff_id, m.outlet_code, case((mine, m.last_day)).label("last_day"), *columns)
            .where(m.department.in_([sm.ALL, sales_from]), *where))


def roster_ids(outlets: list[str] | Select, start: date, end: date) -> Select:
    """The staff on the roster of `outlets` (codes, or a subquery of them) at some time of
    [start, end] (a subquery)."""
    return select(staff.c.staff_id).where(*_in_roster(outlets, start, end))


def _in_roster(outlets: list[str] | Select, start: date, end: date) -> list:
    s = staff.c
    return [s.outlet_code.in_(outlets), s.valid_from <= end, or_(s.valid_to.is_(None), s.valid_to > start)]


def _versions(outlets: list[str], start: date, end: date) -> Select:
    """The subtree's roster versions of [start, end] by staff and start: a member's last one is
    their latest version begun by `end` (as kpi.staff picks it)."""
    s = staff.c
    return select(*[s[n] for n in ROSTER]).where(*_in_roster(outlets, start, end)).order_by(s.staff_id, s.valid_from)


def _live(connection: Connection, outlets: list[str], start: date, end: date) -> Select:
    """Relations live at `end` per staff × kind of the roster: kept by the rollup rebuild for
    period ends, else counted from fact_contact (exact, slower)."""
    return staff_pack.live_on(connection, end, roster_ids(outlets, start, end))
