"""The read API of the dashboard. Every read takes the caller's scope.

Row-level security lives here, not in the pages: a read for a unit outside the caller's
subtree raises `OutOfScope` instead of returning rows, so a tampered link cannot show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import CTE, Engine, Integer, Select, String, and_, case, exists, func, or_, select

from store import bulk
from store.read import frame
from store.schema import org_unit, rollup_day

GRAIN_ALL = "all"
MAX_DEPTH = 16  # levels above a unit worth walking; deeper means a cycle in the org data


@dataclass(frozen=True)
class Scope:
    """What a caller may see: a subtree of the org (and, for some roles, a department)."""

    unit_code: str = "HO"
    department: str | None = None


class OutOfScope(PermissionError):
    def __init__(self, code: str, scope: Scope) -> None:
        super().__init__(f"unit {code} is outside the scope {scope.unit_code}")
        self.code = code


def data_period(engine: Engine) -> tuple[date, date] | None:
    """The first and last day that have rollups."""
    # Two scalar subqueries, not one SELECT min(), max(): SQLite answers a lone min() or max()
    # of an index's leading column with one seek, but scans the whole table for both at once.
    first_day = select(func.min(rollup_day.c.day)).scalar_subquery()
    last_day = select(func.max(rollup_day.c.day)).scalar_subquery()
    with engine.connect() as connection:
        first, last = connection.execute(select(first_day, last_day)).one()
    return (first, last) if first is not None else None


def _valid_on(day: date):  # noqa: ANN202 - a SQL expression
    return and_(org_unit.c.valid_from <= day, or_(org_unit.c.valid_to.is_(None), org_unit.c.valid_to > day))


def units_on(engine: Engine, *, day: date) -> pd.DataFrame:
    """The org units (code, name, name_en, level, parent_code) as they stood on `day`."""
    u = org_unit.c
    statement = select(u.code, u.name, u.name_en, u.level, u.parent_code).where(_valid_on(day))
    with engine.connect() as connection:  # text only: the driver's rows need no processing
        return bulk.fetch_frame(connection, statement.order_by(u.code))


def lineage(engine: Engine, *, scope: Scope, code: str, day: date) -> pd.DataFrame:
    """The path from the caller's scope root down to `code` (for breadcrumbs).

    Raises OutOfScope when `code` is not in the caller's subtree (or does not exist). Walks up
    one unit at a time (an index seek each) instead of reading the whole org: every scoped
    read starts here."""
    u = org_unit.c
    columns = [u.code, u.name, u.name_en, u.level, u.parent_code]
    path: list[tuple] = []
    current = code
    with engine.connect() as connection:
        while current is not None and len(path) <= MAX_DEPTH:
            row = connection.execute(select(*columns).where(_valid_on(day), u.code == current)).first()
            if row is None:
                break
            path.append(tuple(row))
            if current == scope.unit_code:
                return pd.DataFrame(list(reversed(path)), columns=[c.key for c in columns])
            current = row.parent_code
    raise OutOfScope(code, scope)


def child_rollups(
    engine: Engine, *, scope: Scope, parent_code: str, start: date, end: date, grain: str = "behaviour"
) -> pd.DataFrame:
    """Rollup rows of the children of `parent_code` over [start, end], with the children's
    names as they stood on `end`. `grain` is behaviour, customer or conversion."""
    lineage(engine, scope=scope, code=parent_code, day=end)  # refuse anything outside scope
    r = rollup_day.c
    statement = select(rollup_day).where(r.parent_code == parent_code, r.day.between(start, end))
    statement = statement.where(*_grain_filter(grain, scope))
    with engine.connect() as connection:
        rows = frame(connection, statement)
    return rows.merge(last_names(engine, day=end), on="unit_code", how="left")


def last_names(engine: Engine, *, day: date) -> pd.DataFrame:
    """Each unit's name in its latest version begun by `day` (units merged away keep theirs)."""
    u = org_unit.c
    statement = select(u.code.label("unit_code"), u.name, u.name_en, u.valid_from).where(u.valid_from <= day)
    with engine.connect() as connection:
        names = frame(connection, statement.order_by(u.code, u.valid_from))
    return names.drop_duplicates("unit_code", keep="last").drop(columns="valid_from")


def unit_rollups(engine: Engine, *, scope: Scope, code: str, start: date, end: date, grain: str = "behaviour") -> pd.DataFrame:
    """Rollup rows of one unit over [start, end]."""
    lineage(engine, scope=scope, code=code, day=end)
    r = rollup_day.c
    statement = select(rollup_day).where(r.unit_code == code, r.day.between(start, end), *_grain_filter(grain, scope))
    with engine.connect() as connection:
        return frame(connection, statement)


def level_rollups(engine: Engine, *, scope: Scope, level: str, under: str, start: date, end: date) -> pd.DataFrame:
    """Rollup rows (every grain) of the units at `level` inside the subtree of `under`, over
    [start, end], with each unit's latest name. `under` must be inside the caller's scope."""
    lineage(engine, scope=scope, code=under, day=end)
    codes = subtree_codes(engine, root=under, day=end, level=level)
    r = rollup_day.c
    statement = select(rollup_day).where(r.level == level, r.day.between(start, end), r.unit_code.in_(codes))
    if scope.department:
        statement = statement.where(r.department.in_([GRAIN_ALL, scope.department]))
    with engine.connect() as connection:
        rows = frame(connection, statement)
    return rows.merge(last_names(engine, day=end), on="unit_code", how="left")


def latest_versions(connection, day: date, *columns) -> list[tuple]:  # noqa: ANN001 - a Connection
    """(code, parent_code, level, *columns) of each unit's latest version begun by `day`, by code.

    Plain tuples, not a DataFrame: the whole org (~5,700 units on the large bank) is walked in
    Python on most page reads, and pandas' frame, drop_duplicates and groupby cost ten times
    the query."""
    u = org_unit.c
    statement = select(u.code, u.parent_code, u.level, *columns).where(u.valid_from <= day)
    result = connection.execute(statement.order_by(u.code, u.valid_from))
    # Text and integers need none of SQLAlchemy's result processing: the driver's tuples in one fetch.
    rows = result.cursor.fetchall() if all(isinstance(c.type, (String, Integer)) for c in columns) else result
    latest = {row[0]: tuple(row) for row in rows}  # ordered by valid_from: the last one wins
    result.close()
    return list(latest.values())


def subtree_of(versions: list[tuple], root: str) -> list[str]:
    """Codes below `root` (itself first), level by level, each level's children by code."""
    children: dict[str, list[str]] = {}
    for code, parent, *_ in versions:
        if parent is not None:
            children.setdefault(parent, []).append(code)
    found, frontier = [root], [root]
    while frontier:
        frontier = [c for parent in frontier for c in children.get(parent, [])]
        found += frontier
    return found


def subtree_codes(engine: Engine, *, root: str, day: date, level: str | None = None) -> list[str]:
    """Codes of every unit below `root` (itself included) in the versions begun by `day`,
    so units merged away during a period are still found."""
    with engine.connect() as connection:
        versions = latest_versions(connection, day)
    found = subtree_of(versions, root)
    if level is not None:
        levels = {code: unit_level for code, _, unit_level in versions}
        found = [c for c in found if levels.get(c) == level]
    return found


def subtree_units(engine: Engine, *, root: str, day: date) -> pd.DataFrame:
    """The units (code, name, name_en, level, parent_code) of the subtree of `root` (itself
    included, see subtree_codes) as they stood on `day`, by code: what units_on gives for
    those codes, from one read of the org instead of two."""
    u = org_unit.c
    # A unit is on the org that day if its latest version begun by then has not ended: decided
    # in SQL as 1/0, since reading valid_to as dates costs SQLAlchemy's processing of every row.
    current = case((or_(u.valid_to.is_(None), u.valid_to > day), 1), else_=0)
    with engine.connect() as connection:
        versions = latest_versions(connection, day, u.name, u.name_en, current)
    inside = set(subtree_of(versions, root))
    rows = [(code, name, name_en, level, parent) for code, parent, level, name, name_en, on_org in versions
            if on_org and code in inside]
    return pd.DataFrame(rows, columns=["code", "name", "name_en", "level", "parent_code"])


def subtree_table(*, root: str, day: date) -> CTE:
    """The units of subtree_codes (code, level) as a recursive CTE: for SQL that filters by a
    subtree of thousands of units without binding each code (at a whole bank, building and
    binding 5,000 parameters cost more than the query). One CTE serves several filters of a
    statement (codes_in), so the walk runs once."""
    u, later = org_unit.c, org_unit.alias("later").c
    # A unit's latest version begun by `day` (as subtree_codes keeps), found by index seeks.
    latest = [u.valid_from <= day,
              ~exists().where(later.code == u.code, later.valid_from <= day, later.valid_from > u.valid_from)]
    tree = select(u.code, u.level).where(u.code == root, *latest).cte(recursive=True)
    # UNION, not UNION ALL: a unit reached twice (a cycle in bad org data) ends the walk.
    return tree.union(select(u.code, u.level).join(tree, u.parent_code == tree.c.code).where(*latest))


def codes_in(tree: CTE, level: str | None = None) -> Select:
    """The codes of `tree` (of one level, if given), as a subquery."""
    return select(tree.c.code).where(tree.c.level == level) if level is not None else select(tree.c.code)


def subtree_select(*, root: str, day: date, level: str | None = None) -> Select:
    """subtree_codes as a subquery."""
    return codes_in(subtree_table(root=root, day=day), level)


def _grain_filter(grain: str, scope: Scope) -> list:
    r = rollup_day.c
    if grain == "behaviour":
        return [r.department == GRAIN_ALL, r.kind == GRAIN_ALL]
    if grain == "customer":
        return [r.department == GRAIN_ALL, r.kind != GRAIN_ALL]
    conditions = [r.department != GRAIN_ALL]
    if scope.department:
        conditions.append(r.department == scope.department)
    return conditions
