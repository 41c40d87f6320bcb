"""Accounts, roles and rights (DESIGN §6). With store.sign_in, the only modules that touch
`app_user`.

Who may do what is data (RIGHTS, PAGES_BY_ROLE): callers ask `can()` and never spell a rule
themselves. Passwords are argon2id hashes; the plain password never reaches the store.
Signing in is store.sign_in. Logins and emails match case-insensitively (a proxy or an identity provider may change case).
Every account change and every sign-in attempt appends one `access_audit` row in the same
transaction as the change it records, so neither exists without the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pandas as pd
from argon2 import PasswordHasher
from sqlalchemy import Connection, Engine, Row, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from store.pages import Scope
from store.read import frame
from store.schema import access_audit, app_user, org_unit
from store.write import now as utc_now

HEAD_OFFICE = "HO"
DEPARTMENTS = ("online", "retail")  # the ETL's vocabulary (docs/sources.md); store cannot import etl
ROLES = ("executive", "department_head", "branch_leader", "hr_ops", "admin")
PAGES = ("overview", "drilldown", "compare", "workload", "conversion", "targets", "incentives", "health")
READ_PAGES = PAGES[:5]

RIGHTS: dict[str, frozenset[str]] = {
    "executive": frozenset({"read"}),
    "department_head": frozenset({"read", "edit_targets"}),
    "branch_leader": frozenset({"read"}),
    "hr_ops": frozenset({"read", "edit_targets", "approve_targets", "incentives"}),
    "admin": frozenset({"read", "data_health", "manage_users"}),
}
PAGES_BY_ROLE: dict[str, tuple[str, ...]] = {  # in navigation order
    "executive": READ_PAGES,
    "department_head": (*READ_PAGES, "targets"),
    "branch_leader": READ_PAGES,
    "hr_ops": (*READ_PAGES, "targets", "incentives"),
    "admin": PAGES,
}
# A department head acts for one department: its target rights hold for that department
# alone, and its reads show that department's conversions (Scope.department).
DEPARTMENT_ROLES = frozenset({"department_head"})
DEPARTMENT_BOUND_RIGHTS = frozenset({"edit_targets", "approve_targets"})
WHOLE_BANK_ROLES = frozenset({"executive", "department_head", "hr_ops", "admin"})
MIN_PASSWORD_LENGTH = 12
CHINA = timezone(timedelta(hours=8))
BAD_CREDENTIALS = "wrong login or password"
HASHER = PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ADD_ACTIONS = ("user_add", "leader_added")  # audit actions of a new account: by hand, from the roster
TRUSTED_VIA = ("proxy", "oidc")  # who vouches for a trusted sign-in; the audit's actor
UNATTRIBUTED = "unattributed"  # actor of a change whose caller named nobody (fixtures, old callers)
AUDIT_WIDTH = 64  # access_audit.actor and .login; a typed login can be longer than any account's


class UserError(ValueError):
    """An account change that cannot be made; the message names the cause."""


class AuthError(PermissionError):
    """A refused sign-in. The message is safe to show; `reason` (bad_credentials, locked,
    disabled, no_account) lets the UI pick a translated text; `locked_until` is UTC."""

    def __init__(self, reason: str, message: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.reason, self.locked_until = reason, locked_until


@dataclass(frozen=True)
class User:
    login: str
    display_name: str
    email: str | None
    role: str
    scope_code: str
    department: str | None

    @property
    def scope(self) -> Scope:
        """What this user may read: the own subtree, and the own department where the role is bound to one."""
        restricted = self.department if self.role in DEPARTMENT_ROLES else None
        return Scope(unit_code=self.scope_code, department=restricted)

    @property
    def pages(self) -> tuple[str, ...]:
        return PAGES_BY_ROLE[self.role]


def can(user: User, right: str, *, department: str | None = None) -> bool:
    """Whether `user` holds `right`; for target rights of a department-bound role, only for
    the own `department` (no department given means no)."""
    if right not in RIGHTS[user.role]:
        return False
    if right in DEPARTMENT_BOUND_RIGHTS and user.role in DEPARTMENT_ROLES:
        return department is not None and department == user.department
    return True


def add_user(engine: Engine, *, login: str, display_name: str, role: str, scope_code: str = HEAD_OFFICE,
             department: str | None = None, email: str | None = None, password: str | None = None,
             actor: str = UNATTRIBUTED, action: str = "user_add") -> User:
    """Create an account. Without a password it can sign in only through the proxy or OIDC
    (or once an admin sets one). Raises UserError naming what is wrong. `actor` is who makes
    it; `action` is user_add, or leader_added for an account derived from the roster."""
    login, display_name, email = login.strip(), display_name.strip(), (email or "").strip() or None
    if not _LOGIN.fullmatch(login):
        raise UserError(f"login {login!r} is not valid: 1-64 letters, digits, '.', '_', '@' or '-'")
    if not display_name or len(display_name) > 100:
        raise UserError("a display name of 1-100 characters is required")
    if email is not None and (not _EMAIL.fullmatch(email) or len(email) > 254):
        raise UserError(f"email {email!r} is not a valid address")
    if action not in ADD_ACTIONS:
        raise ValueError(f"unknown audit action {action!r} for a new account; one of {', '.join(ADD_ACTIONS)}")
    _check_role(role, department)
    password_hash = _hash(password) if password is not None else None
    with engine.begin() as connection:
        _check_scope(connection, role, scope_code)
        if _rows(connection, app_user.c.login, login):
            raise UserError(f"login {login} already exists")
        if email and (owners := _rows(connection, app_user.c.email, email)):
            raise UserError(f"email {email} already belongs to {owners[0].login}")
        at = utc_now()
        values = dict(login=login, display_name=display_name, email=email, role=role, scope_code=scope_code,
                      department=department, password_hash=password_hash, created_at=at)
        try:
            connection.execute(insert(app_user).values(**values))
        except IntegrityError as exc:  # a concurrent add of the same login
            raise UserError(f"login {login} already exists") from exc
        detail = f"role={role} scope={scope_code}" + (f" department={department}" if department else "")
        _audit(connection, at=at, actor=actor, action=action, login=login, detail=detail)
    return User(login, display_name, email, role, scope_code, department)


def _check_role(role: str, department: str | None) -> None:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if role in DEPARTMENT_ROLES and department is None:
        raise UserError(f"role {role} needs a department: one of {', '.join(DEPARTMENTS)}")
    if department is not None and role not in DEPARTMENT_ROLES:
        raise UserError(f"role {role} has no department (only {', '.join(sorted(DEPARTMENT_ROLES))} has one)")
    if department is not None and department not in DEPARTMENTS:
        raise UserError(f"unknown department {department!r}; departments are {', '.join(DEPARTMENTS)}")


def _check_scope(connection: Connection, role: str, scope_code: str) -> None:
    if role in WHOLE_BANK_ROLES:
        if scope_code != HEAD_OFFICE:
            raise UserError(f"role {role} sees the whole bank: its scope is {HEAD_OFFICE}, not {scope_code}")
        return
    if scope_code == HEAD_OFFICE:
        raise UserError(f"role {role} sees one subtree: give a province, branch or outlet code, not {HEAD_OFFICE}")
    ends = connection.execute(select(org_unit.c.valid_to).where(org_unit.c.code == scope_code)).scalars().all()
    if not ends:
        raise UserError(f"unknown org unit {scope_code!r}")
    if None not in ends:  # every version has ended: the unit is gone
        raise UserError(f"org unit {scope_code} no longer exists (closed or merged)")


def _hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password is too short: at least {MIN_PASSWORD_LENGTH} characters")
    return HASHER.hash(password)


def set_password(engine: Engine, *, login: str, password: str, actor: str) -> None:
    """Set a new password; this also lifts a lockout and clears the failure count."""
    password_hash = _hash(password)
    with engine.begin() as connection:
        row = _existing(connection, login)
        locked = row.locked_until is not None and _utc(row.locked_until) > utc_now()
        _change(connection, row, actor=actor, action="password_set", detail="lifted a lockout" if locked else None,
                password_hash=password_hash, failed_logins=0, locked_until=None)


def disable_user(engine: Engine, *, login: str, actor: str = UNATTRIBUTED) -> None:
    """Refuse every sign-in of the account from now on (it stays on record)."""
    with engine.begin() as connection:
        row = _existing(connection, login)
        admins = connection.execute(select(func.count()).where(app_user.c.role == "admin", ~app_user.c.disabled)).scalar()
        if row.role == "admin" and not row.disabled and admins == 1:
            raise UserError(f"{row.login} is the last enabled admin; add another admin first")
        _change(connection, row, actor=actor, action="user_disable", disabled=True)


def enable_user(engine: Engine, *, login: str, actor: str) -> None:
    """Allow sign-in again, with a clean failure count."""
    with engine.begin() as connection:
        _change(connection, _existing(connection, login), actor=actor, action="user_enable",
                disabled=False, failed_logins=0, locked_until=None)


def _existing(connection: Connection, login: str) -> Row:
    row = _one(connection, login)
    if row is None:
        raise UserError(f"no account with login {login!r}")
    return row


def _change(connection: Connection, row: Row, *, actor: str, action: str, detail: str | None = None,
            **values: object) -> None:
    connection.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    _audit(connection, at=utc_now(), actor=actor, action=action, login=row.login, detail=detail)


def _audit(connection: Connection, *, at: datetime, actor: str, action: str, login: str,
           detail: str | None = None) -> None:
    """Append one audit row on the caller's transaction: it commits or rolls back with the change."""
    connection.execute(insert(access_audit).values(
        at=at, actor=actor[:AUDIT_WIDTH], action=action, login=login[:AUDIT_WIDTH], detail=detail))


def access_log(engine: Engine, *, login: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Audit rows newest first: at (UTC), actor, action, login, detail; only `login`'s when
    given (an account's login matches case-insensitively, anything else as typed)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    a = access_audit.c
    statement = select(a.at, a.actor, a.action, a.login, a.detail).order_by(a.at.desc(), a.id.desc()).limit(limit)
    with engine.connect() as connection:
        if login is not None:
            account = _one(connection, login.strip())
            statement = statement.where(a.login == (account.login if account is not None else login.strip()))
        log = frame(connection, statement)
    return log.assign(at=pd.to_datetime(log["at"], utc=True))  # SQLite hands back naive UTC


def list_users(engine: Engine) -> pd.DataFrame:
    """Every account with its state; never the hashes (only whether there is one)."""
    c = app_user.c
    columns = [col for col in app_user.c if col.name not in ("id", "password_hash")]
    statement = select(*columns, c.password_hash.is_not(None).label("has_password")).order_by(c.login)
    with engine.connect() as connection:
        return frame(connection, statement)


def get_user(engine: Engine, *, login: str) -> User | None:
    """The enabled account with this login; None when there is none or it is disabled."""
    with engine.connect() as connection:
        row = _one(connection, login)
    return _user(row) if row is not None and not row.disabled else None


def user_by_email(engine: Engine, *, email: str) -> User | None:
    """The enabled account with this email (case-insensitive), for mapping an OIDC identity."""
    with engine.connect() as connection:
        rows = _rows(connection, app_user.c.email, email.strip())
    if len(rows) > 1:
        raise UserError(f"email {email} belongs to several accounts: {', '.join(r.login for r in rows)}")
    return _user(rows[0]) if rows and not rows[0].disabled else None


def _same(column, value: str):  # noqa: ANN001, ANN202 - SQL expressions
    return func.lower(column) == value.lower()


def _rows(connection: Connection, column, value: str) -> list[Row]:  # noqa: ANN001 - a column
    return list(connection.execute(select(app_user).where(_same(column, value)).order_by(app_user.c.id)))


def _one(connection: Connection, login: str) -> Row | None:
    rows = _rows(connection, app_user.c.login, login)
    return rows[0] if rows else None


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored and compared in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _user(row: Row) -> User:
    return User(row.login, row.display_name, row.email, row.role, row.scope_code, row.department)
