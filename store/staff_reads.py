"""Staff-level reads for one subtree (drill-down to staff, workload): facts with the roster.

Placement follows the rollups: a fact belongs to the outlet its staff member was in on the
fact's own day (kpi.rollup.staff_on does the placing); here we only fetch the candidates,
so a read costs one subtree, never the whole country.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, func, or_, select

from store.pages import Scope, lineage, subtree_codes
from store.read import frame
from store.schema import fact_contact, fact_conversion, fact_staff_day, org_unit, staff


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


