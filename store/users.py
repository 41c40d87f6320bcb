"""Accounts, roles and rights (DESIGN §6). The only module that touches `app_user`.

Who may do what is data (RIGHTS, PAGES_BY_ROLE): callers ask `can()` and never spell a rule
themselves. Passwords are argon2id hashes; the plain password never reaches the store.
Sign-in gives one message for an unknown login and for a wrong password, and spends the hash
time for both, so neither the text nor the timing tells whether an account exists.
Logins and emails match case-insensitively (a proxy or an identity provider may change case).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, Table, and_, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from store.pages import Scope
from store.read import frame
from store.schema import app_user, org_unit, staff
from store.settings import Settings, get_settings
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
LEADER_STAFF_ROLES = ("outlet_head", "branch_head")  # roster roles that become branch_leader
STAFF_LEFT = 5  # wecom_status of someone who left the bank
MIN_PASSWORD_LENGTH = 12
CHINA = timezone(timedelta(hours=8))
BAD_CREDENTIALS = "wrong login or password"
HASHER = PasswordHasher()  # argon2id with argon2-cffi's recommended parameters
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


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
             department: str | None = None, email: str | None = None, password: str | None = None) -> User:
    """Create an account. Without a password it can sign in only through the proxy or OIDC
    (or once an admin sets one). Raises UserError naming what is wrong."""
    login, display_name, email = login.strip(), display_name.strip(), (email or "").strip() or None
    if not _LOGIN.fullmatch(login):
        raise UserError(f"login {login!r} is not valid: 1-64 letters, digits, '.', '_', '@' or '-'")
    if not display_name or len(display_name) > 100:
        raise UserError("a display name of 1-100 characters is required")
    if email is not None and (not _EMAIL.fullmatch(email) or len(email) > 254):
        raise UserError(f"email {email!r} is not a valid address")
    _check_role(role, department)
    password_hash = _hash(password) if password is not None else None
    with engine.begin() as connection:
        _check_scope(connection, role, scope_code)
        if _rows(connection, app_user.c.login, login):
            raise UserError(f"login {login} already exists")
        if email and (owners := _rows(connection, app_user.c.email, email)):
            raise UserError(f"email {email} already belongs to {owners[0].login}")
        values = dict(login=login, display_name=display_name, email=email, role=role, scope_code=scope_code,
                      department=department, password_hash=password_hash, created_at=utc_now())
        try:
            connection.execute(insert(app_user).values(**values))
        except IntegrityError as exc:  # a concurrent add of the same login
            raise UserError(f"login {login} already exists") from exc
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


def set_password(engine: Engine, *, login: str, password: str) -> None:
    """Set a new password; this also lifts a lockout and clears the failure count."""
    _change(engine, login, password_hash=_hash(password), failed_logins=0, locked_until=None)


def disable_user(engine: Engine, *, login: str) -> None:
    """Refuse every sign-in of the account from now on (it stays on record)."""
    with engine.connect() as connection:
        row = _one(connection, login)
        admins = connection.execute(select(func.count()).where(app_user.c.role == "admin", ~app_user.c.disabled)).scalar()
    if row is not None and row.role == "admin" and not row.disabled and admins == 1:
        raise UserError(f"{row.login} is the last enabled admin; add another admin first")
    _change(engine, login, disabled=True)


def enable_user(engine: Engine, *, login: str) -> None:
    _change(engine, login, disabled=False, failed_logins=0, locked_until=None)


def _change(engine: Engine, login: str, **values: object) -> None:
    with engine.begin() as connection:
        changed = connection.execute(update(app_user).where(_same(app_user.c.login, login)).values(**values)).rowcount
    if not changed:
        raise UserError(f"no account with login {login!r}")


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


def _user(row: Row) -> User:
    return User(row.login, row.display_name, row.email, row.role, row.scope_code, row.department)


def verify_login(engine: Engine, *, login: str, password: str, now: datetime | None = None,
                 settings: Settings | None = None) -> User:
    """The account, when `password` is right and the account is neither locked nor disabled.

    Raises AuthError. `max_failed_logins` wrong passwords in a row lock the account for
    `lockout_minutes`; while locked even the right password is refused."""
    settings = settings or get_settings()
    now = _utc(now or utc_now())
    with engine.begin() as connection:  # the failure count must be kept even though we refuse
        outcome = _attempt(connection, _one(connection, login.strip()), password, now, settings)
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def _attempt(connection: Connection, row: Row | None, password: str, now: datetime, settings: Settings) -> User | AuthError:
    if row is None or row.password_hash is None:
        _spend_hash_time(password)
        return AuthError("bad_credentials", BAD_CREDENTIALS)
    if row.disabled:
        return AuthError("disabled", "this account is disabled; ask an administrator")
    if row.locked_until is not None and _utc(row.locked_until) > now:
        return _locked(_utc(row.locked_until))
    try:
        HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return _failed(connection, row, now, settings)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if HASHER.check_needs_rehash(row.password_hash):  # parameters were raised since it was set
        values["password_hash"] = HASHER.hash(password)
    connection.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    return _user(row)


def _failed(connection: Connection, row: Row, now: datetime, settings: Settings) -> AuthError:
    where = app_user.c.id == row.id
    connection.execute(update(app_user).where(where).values(failed_logins=app_user.c.failed_logins + 1))
    failures = connection.execute(select(app_user.c.failed_logins).where(where)).scalar_one()
    if failures < settings.max_failed_logins:
        return AuthError("bad_credentials", BAD_CREDENTIALS)
    until = now + timedelta(minutes=settings.lockout_minutes)
    connection.execute(update(app_user).where(where).values(failed_logins=0, locked_until=until))
    return _locked(until)


def _locked(until: datetime) -> AuthError:
    local = until.astimezone(CHINA)
    return AuthError("locked", f"too many wrong passwords: this account is locked until "
                     f"{local:%Y-%m-%d %H:%M} (UTC+8)", locked_until=until)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return HASHER.hash("not a password of anyone's")


def _spend_hash_time(password: str) -> None:
    try:
        HASHER.verify(_dummy_hash(), password)
    except VerificationError:
        pass


def _utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything here is stored and compared in UTC."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def trusted_sign_in(engine: Engine, *, login: str | None = None, email: str | None = None) -> User:
    """The account named by a reverse proxy (login) or an identity provider (email), who has
    already authenticated the person. Raises AuthError when there is no enabled account."""
    identity = (login or email or "").strip()
    if not identity:
        raise AuthError("no_account", "the sign-in did not name a user")
    with engine.connect() as connection:
        rows = _rows(connection, app_user.c.login if login else app_user.c.email, identity)
    if len(rows) != 1:
        raise AuthError("no_account", f"no Cascade account for {identity}; ask an administrator")
    if rows[0].disabled:
        raise AuthError("disabled", "this account is disabled; ask an administrator")
    return _user(rows[0])


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
        logins = {login.lower() for login in connection.execute(select(app_user.c.login)).scalars()}
    parent = dict(zip(units["code"], units["parent_code"], strict=True))
    scopes = [outlet if role == "outlet_head" else parent.get(outlet)
              for outlet, role in zip(heads["outlet_code"], heads["role"], strict=True)]
    out = pd.DataFrame({
        "login": heads["staff_id"], "display_name": heads["name"], "role": "branch_leader",
        "scope_code": scopes, "source": heads["role"],
        "exists": [login.lower() in logins for login in heads["staff_id"]],
    })
    return out[out["scope_code"].notna()].reset_index(drop=True)


def add_leaders_from_roster(engine: Engine, *, day: date) -> pd.DataFrame:
    """Create the proposed leader accounts that do not exist yet, without passwords (they
    sign in through the proxy or OIDC, or an admin sets a password). Returns the proposals
    with `result`: created, exists, or why the account could not be made."""
    proposals = leader_accounts_from_roster(engine, day=day)
    results = []
    for row in proposals.itertuples(index=False):
        if row.exists:
            results.append("exists")
            continue
        try:
            add_user(engine, login=row.login, display_name=row.display_name, role=row.role, scope_code=row.scope_code)
            results.append("created")
        except UserError as problem:
            results.append(str(problem))
    return proposals.assign(result=results)
