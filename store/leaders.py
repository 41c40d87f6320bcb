"""Branch-leader accounts derived from the roster (DESIGN §6, docs/access.md).

The roster (`staff`) says who heads an outlet or a branch on a day; this module turns those
people into proposed `branch_leader` accounts and creates the missing ones through
`store.users.add_user`, which validates and audits each one (action leader_added).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, Table, and_, or_, select

from store.read import frame
from store.schema import org_unit, staff
from store.users import UserError, add_user, list_users

LEADER_STAFF_ROLES = ("outlet_head", "branch_head")  # roster roles that become branch_leader
STAFF_LEFT = 5  # wecom_status of someone who left the bank


def _valid_on(table: Table, day: date):  # noqa: ANN202 - a SQL expression
    return and_(table.c.valid_from <= day, or_(table.c.valid_to.is_(None), table.c.valid_to > day))


def leader_accounts_from_roster(engine: Engine, *, day: date) -> pd.DataFrame:
    """Proposed branch_leader accounts from the roster as it stood on `day`.

    Used: staff versions valid on `day` with role outlet_head (scope: their outlet) or
    branch_head (scope: the parent unit of their outlet that day), except people who left
    (wecom_status 5). Login = staff_id (the WeCom userid), display name = the roster name.
    Not used: WeCom's `is_leader_in_dept`. The ETL checks directory pulls against the roster
    but stores none of their fields, so the roster role is the only record of who leads.
    Columns: login, display_name, role, scope_code, source (the roster role), exists."""
    s, u = staff.c, org_unit.c
    heads_query = select(s.staff_id, s.name, s.outlet_code, s.role).where(
        _valid_on(staff, day), s.role.in_(LEADER_STAFF_ROLES), s.wecom_status != STAFF_LEFT)
    with engine.connect() as connection:
        heads = frame(connection, heads_query.order_by(s.staff_id))
        units = frame(connection, select(u.code, u.parent_code).where(_valid_on(org_unit, day)))
    logins = {login.lower() for login in list_users(engine)["login"]}  # app_user is store.users' alone
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    scopes = [outlet if role == "outlet_head" else parent.get(outlet)
              for outlet, role in zip(heads["outlet_code"], heads["role"], strict=True)]
    out = pd.DataFrame({
        "login": heads["staff_id"], "display_name": heads["name"], "role": "branch_leader",
        "scope_code": scopes, "source": heads["role"],
        "exists": [login.lower() in logins for login in heads["staff_id"]],
    })
    return out[out["scope_code"].notna()].reset_index(drop=True)


def add_leaders_from_roster(engine: Engine, *, day: date, actor: str) -> pd.DataFrame:
    """Create the proposed leader accounts that do not exist yet, without passwords (they
    sign in through the proxy or OIDC, or an admin sets a password), each audited as
    leader_added by `actor`. Returns the proposals with `result`: created, exists, or why
    the account could not be made."""
    proposals = leader_accounts_from_roster(engine, day=day)
    results = []
    for row in proposals.itertuples(index=False):
        if row.exists:
            results.append("exists")
            continue
        try:
            add_user(engine, login=row.login, display_name=row.display_name, role=row.role, scope_code=row.scope_code,
                     actor=actor, action="leader_added")
            results.append("created")
        except UserError as problem:
            results.append(str(problem))
    return proposals.assign(result=results)
