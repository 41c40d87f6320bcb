"""Payout curves of the incentive plan, with versions and approval, and the approved plan's
target values (DESIGN §4 Incentives).

Each row of `payout_curve` is one version of one role's curve. Saving a draft or approving one
appends a version (with who, when and the reason), so the table is its own audit trail and an
approved version stays readable after later drafts. Every write names the version the editor
saw; if the role's curve changed since, it is refused with who changed it and when
(optimistic concurrency, as for targets). The curve's shape (threshold ≤ target ≤ cap, …) is
validated by the caller with kpi.incentives.PayoutCurve: the store cannot import kpi.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Select, func, insert, or_, select
from sqlalchemy.exc import IntegrityError

from store.read import frame
from store.schema import payout_curve, target, target_audit
from store.write import now

CURVE_FIELDS = ("threshold", "target", "cap", "threshold_payout", "accelerator", "base_amount")
STATUSES = ("draft", "approved")


class CurveError(Exception):
    """A curve change that cannot be made; the message says why."""


class StaleCurve(CurveError):
    def __init__(self, role: str, by: str, at: object) -> None:
        super().__init__(
            f"the {role} payout curve was changed by {by} at {at:%Y-%m-%d %H:%M:%S} since you opened it; "
            "reload to see their change, then edit again"
        )
        self.role, self.by, self.at = role, by, at


def _need_reason(reason: str) -> str:
    if not reason or not reason.strip():
        raise CurveError("a reason is required for every payout curve change")
    return reason.strip()


def _as_floats(rows: pd.DataFrame) -> pd.DataFrame:
    # Only the columns not float already (NUMERIC comes as Decimal): pandas' astype costs
    # milliseconds even on a frame without rows, and the incentives page reads curves twice.
    loose = {name: float for name in CURVE_FIELDS if rows[name].dtype != "float64"}
    return rows.astype(loose) if loose else rows


def read_curves(engine: Engine, *, status: str | None) -> pd.DataFrame:
    """Each role's newest curve version with `status` ("approved" or "draft"); None = the
    newest version whatever its status (what an editor starts from)."""
    if status is not None and status not in STATUSES:
        raise CurveError(f"status must be one of {STATUSES} or None, not {status!r}")
    c = payout_curve.c
    newest = select(c.role, func.max(c.version).label("version")).group_by(c.role)
    if status is not None:
        newest = newest.where(c.status == status)
    newest = newest.subquery()
    statement = (select(payout_curve)
                 .join(newest, (c.role == newest.c.role) & (c.version == newest.c.version))
                 .order_by(c.role))
    with engine.connect() as connection:
        return _as_floats(frame(connection, statement))


def curve_history(engine: Engine, *, role: str | None = None) -> pd.DataFrame:
    """Every version of every curve (or of one role), oldest first: the curves' audit trail."""
    statement = select(payout_curve).order_by(payout_curve.c.role, payout_curve.c.version)
    if role is not None:
        statement = statement.where(payout_curve.c.role == role)
    with engine.connect() as connection:
        return _as_floats(frame(connection, statement))


def _latest(connection: Connection, role: str) -> Mapping | None:
    c = payout_curve.c
    return connection.execute(
        select(payout_curve).where(c.role == role).order_by(c.version.desc()).limit(1)).mappings().first()


def _check_seen(connection: Connection, role: str, seen: int) -> Mapping | None:
    """The role's newest version, if it is the one the editor saw (0 = none yet)."""
    latest = _latest(connection, role)
    if (latest["version"] if latest else 0) != seen:
        if latest is None:
            raise CurveError(f"the {role} payout curve has no version {seen}")
        raise StaleCurve(role, latest["updated_by"], latest["updated_at"])
    return latest


def check_curve_versions(engine: Engine, *, seen: Mapping[str, int]) -> None:
    """Raise StaleCurve if any role's curve moved past the version the editor saw (a check
    before a multi-step save, so a stale curve stops it before anything is written)."""
    with engine.connect() as connection:
        for role, version in seen.items():
            _check_seen(connection, role, int(version))


def _number(value: object, *, role: str, field: str) -> Decimal:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or number < 0:
        raise CurveError(f"{role}: {field} must be a number ≥ 0, got {value!r}")
    return Decimal(str(number)).quantize(Decimal("0.01") if field == "base_amount" else Decimal("0.0001"))


def _append(connection: Connection, role: str, values: dict, *, version: int, status: str, by: str, reason: str) -> None:
    connection.execute(insert(payout_curve).values(
        role=role, **values, version=version, status=status, updated_by=by, updated_at=now(), reason=reason))


def _raced(engine: Engine, seen: Mapping[str, int]) -> CurveError:
    """After a unique-version clash (someone wrote between our check and our insert): who."""
    with engine.connect() as connection:
        for role, version in seen.items():
            latest = _latest(connection, role)
            if latest is not None and latest["version"] != version:
                return StaleCurve(role, latest["updated_by"], latest["updated_at"])
    return CurveError("a concurrent payout curve change was refused; reload and try again")


def save_curve_draft(engine: Engine, *, curves: pd.DataFrame, by: str, reason: str) -> dict[str, int]:
    """Append a draft version of each role's curve, all or nothing; returns role → version.

    ``curves``: one row per role with the CURVE_FIELDS and ``based_on``, the version the editor
    started from (0 for a role without any curve yet)."""
    reason = _need_reason(reason)
    if curves["role"].duplicated().any():
        raise CurveError("each role may appear once in a curve change")
    seen = {str(r): int(v) for r, v in zip(curves["role"], curves["based_on"], strict=True)}
    values = {str(row["role"]): {f: _number(row[f], role=str(row["role"]), field=f) for f in CURVE_FIELDS}
              for _, row in curves.iterrows()}
    try:
        with engine.begin() as connection:
            for role, version in seen.items():
                _check_seen(connection, role, version)
                _append(connection, role, values[role], version=version + 1, status="draft", by=by, reason=reason)
    except IntegrityError:
        raise _raced(engine, seen) from None
    return {role: version + 1 for role, version in seen.items()}


def approve_curves(engine: Engine, *, versions: Mapping[str, int], by: str, reason: str) -> dict[str, int]:
    """Approve each role's curve at the version the approver reviewed, all or nothing: appends
    an approved copy of it; returns role → approved version."""
    reason = _need_reason(reason)
    try:
        with engine.begin() as connection:
            for role, seen in versions.items():
                latest = _check_seen(connection, role, int(seen))
                if latest is None or latest["status"] != "draft":
                    raise CurveError(f"the {role} payout curve version {seen} is not a draft to approve")
                _append(connection, role, {f: latest[f] for f in CURVE_FIELDS}, version=int(seen) + 1,
                        status="approved", by=by, reason=reason)
    except IntegrityError:
        raise _raced(engine, versions) from None
    return {role: int(seen) + 1 for role, seen in versions.items()}


def approved_target_values(engine: Engine, *, period: str, unit_codes: list[str] | None = None) -> pd.DataFrame:
    """The last approved value of each target cell of a period, from the audit trail
    (target_id, approved_value, approved_version, approved_by, approved_at). A cell that was
    never approved has no row; a cell edited after approval keeps its approved value here."""
    a = target_audit.c
    last = (select(a.target_id, func.max(a.id).label("audit_id")).where(a.new_status == "approved")
            .group_by(a.target_id).subquery())
    statement = (
        select(a.target_id, a.new_value.label("approved_value"), a.version.label("approved_version"),
               a.by.label("approved_by"), a.at.label("approved_at"))
        .join(last, a.id == last.c.audit_id)
        .join(target, target.c.id == a.target_id)
        .where(target.c.period == period)
        .order_by(a.target_id)
    )
    if unit_codes is not None:
        statement = statement.where(target.c.unit_code.in_(list(unit_codes)))
    with engine.connect() as connection:
        out = frame(connection, statement)
    out["approved_value"] = out["approved_value"].astype(float)
    return out


def scoped_targets(engine: Engine, *, period: str, unit_codes: list[str] | Select, staff_ids: Select) -> pd.DataFrame:
    """The target cells of a period whose unit is one of `unit_codes` or one of the staff
    `staff_ids` selects (staff-level cells; its first column the staff id), each with its
    last approved value and version (NaN if never approved): filtered in SQL, so a bank's
    whole table is never read."""
    a, t = target_audit.c, target.c
    last = (select(a.target_id, func.max(a.id).label("audit_id")).where(a.new_status == "approved")
            .group_by(a.target_id).subquery())
    approved = (select(a.target_id, a.new_value.label("approved_value"), a.version.label("approved_version"))
                .join(last, a.id == last.c.audit_id).subquery())
    statement = (select(target, approved.c.approved_value, approved.c.approved_version)
                 .outerjoin(approved, approved.c.target_id == t.id)
                 .where(t.period == period, or_(t.unit_code.in_(unit_codes), _one_of(t.unit_code, staff_ids)))
                 .order_by(*[t[c] for c in ("period", "unit_code", "department", "kpi", "kind", "segment")]))
    with engine.connect() as connection:
        out = frame(connection, statement)
    return out.astype({"value": float, "approved_value": float})


def _one_of(unit_code: ColumnElement, staff_ids: Select) -> ColumnElement:
    """`unit_code IN staff_ids` as an EXISTS correlated on the cell: a period has ~1,000 cells
    and a bank's roster ~50,000 versions, so a seek per cell is cheaper than building the list
    of every roster id first (SQLite's plan for IN), ~40 ms at head office."""
    staff_id = next(iter(staff_ids.selected_columns))
    return staff_ids.where(staff_id == unit_code).exists()
