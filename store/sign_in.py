"""Signing in: a password against app_user (with lockout), or a login or email vouched for by a
trusted reverse proxy or an identity provider. Every attempt is audited (access_audit) in the
same transaction as the failure count it changes, so neither exists without the other.

An unknown login and a wrong password get the same message and spend the same hash time, so
neither the text nor the timing tells whether an account exists.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache

from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, Row, select, update

from store.schema import app_user
from store.settings import Settings, get_settings
from store.users import BAD_CREDENTIALS, CHINA, HASHER, TRUSTED_VIA, AuthError, User, _audit, _one, _rows, _user, _utc
from store.write import now as utc_now


def verify_login(engine: Engine, *, login: str, password: str, now: datetime | None = None,
                 settings: Settings | None = None) -> User:
    """The account, when `password` is right and the account is neither locked nor disabled.

    Raises AuthError. `max_failed_logins` wrong passwords in a row lock the account for
    `lockout_minutes`; while locked even the right password is refused. Every attempt is
    audited with the login as actor: sign_in, sign_in_failed, locked, sign_in_refused, or
    sign_in_unknown (the login as typed) for a login that names no account."""
    settings = settings or get_settings()
    now = _utc(now or utc_now())
    with engine.begin() as connection:  # the failure count and the audit must be kept even though we refuse
        outcome = _attempt(connection, login.strip(), password, now, settings)
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def _attempt(connection: Connection, typed: str, password: str, now: datetime, settings: Settings) -> User | AuthError:
    row = _one(connection, typed)
    if row is None:
        _spend_hash_time(password)
        _audit(connection, at=now, actor=typed, action="sign_in_unknown", login=typed)
        return AuthError("bad_credentials", BAD_CREDENTIALS)

    def event(action: str, detail: str | None = None) -> None:
        _audit(connection, at=now, actor=row.login, action=action, login=row.login, detail=detail)

    if row.password_hash is None:
        _spend_hash_time(password)
        event("sign_in_failed", "the account has no password: it signs in through the proxy or OIDC")
        return AuthError("bad_credentials", BAD_CREDENTIALS)
    if row.disabled:
        event("sign_in_refused", "disabled")
        return AuthError("disabled", "this account is disabled; ask an administrator")
    if row.locked_until is not None and _utc(row.locked_until) > now:
        event("sign_in_refused", f"locked until {_iso(row.locked_until)}")
        return _locked(_utc(row.locked_until))
    try:
        HASHER.verify(row.password_hash, password)
    except (VerificationError, InvalidHashError):
        return _failed(connection, row, now, settings, event)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None}
    if HASHER.check_needs_rehash(row.password_hash):  # parameters were raised since it was set
        values["password_hash"] = HASHER.hash(password)
    connection.execute(update(app_user).where(app_user.c.id == row.id).values(**values))
    event("sign_in", "password rehashed with current parameters" if "password_hash" in values else None)
    return _user(row)


def _failed(connection: Connection, row: Row, now: datetime, settings: Settings,
            event: Callable[[str, str | None], None]) -> AuthError:
    where = app_user.c.id == row.id
    connection.execute(update(app_user).where(where).values(failed_logins=app_user.c.failed_logins + 1))
    failures = connection.execute(select(app_user.c.failed_logins).where(where)).scalar_one()
    if failures < settings.max_failed_logins:
        event("sign_in_failed", f"wrong password {failures} of {settings.max_failed_logins}")
        return AuthError("bad_credentials", BAD_CREDENTIALS)
    until = now + timedelta(minutes=settings.lockout_minutes)
    connection.execute(update(app_user).where(where).values(failed_logins=0, locked_until=until))
    event("locked", f"locked until {_iso(until)}")
    return _locked(until)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="seconds")


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


def trusted_sign_in(engine: Engine, *, login: str | None = None, email: str | None = None,
                    via: str = "proxy") -> User:
    """The account named by a reverse proxy (login) or an identity provider (email), who has
    already authenticated the person. Raises AuthError when there is no enabled account.
    Audited as trusted_sign_in or trusted_sign_in_refused with `via` (proxy, oidc) as actor."""
    if via not in TRUSTED_VIA:
        raise ValueError(f"unknown trusted sign-in {via!r}; one of {', '.join(TRUSTED_VIA)}")
    identity = (login or email or "").strip()
    with engine.begin() as connection:
        outcome = _trusted(connection, identity, by_login=bool(login), via=via)
    if isinstance(outcome, AuthError):
        raise outcome
    return outcome


def _trusted(connection: Connection, identity: str, *, by_login: bool, via: str) -> User | AuthError:
    def event(action: str, login: str, detail: str | None) -> None:
        _audit(connection, at=utc_now(), actor=via, action=action, login=login, detail=detail)

    if not identity:
        event("trusted_sign_in_refused", "", "the sign-in did not name a user")
        return AuthError("no_account", "the sign-in did not name a user")
    rows = _rows(connection, app_user.c.login if by_login else app_user.c.email, identity)
    if len(rows) != 1:
        event("trusted_sign_in_refused", identity, f"no account for {identity}" if not rows else
              f"{len(rows)} accounts have the email {identity}: {', '.join(r.login for r in rows)}")
        return AuthError("no_account", f"no Cascade account for {identity}; ask an administrator")
    named = None if by_login else f"email {identity}"
    if rows[0].disabled:
        event("trusted_sign_in_refused", rows[0].login, "disabled" + (f", {named}" if named else ""))
        return AuthError("disabled", "this account is disabled; ask an administrator")
    event("trusted_sign_in", rows[0].login, named)
    return _user(rows[0])
