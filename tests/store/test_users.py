"""Accounts, rights and sign-in: what an operator and a person signing in rely on."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from pydantic import ValidationError

import store.sign_in as sign_in
import store.users as users
from store.leaders import add_leaders_from_roster, leader_accounts_from_roster
from store.pages import Scope
from store.schema import app_user, org_unit, staff
from store.settings import Settings
from store.sign_in import verify_login
from store.users import AuthError, User, UserError, access_log, add_user, can

PASSWORD = "correct horse battery"
T0 = datetime(2026, 9, 1, 2, 0, tzinfo=timezone.utc)
STRICT = Settings(max_failed_logins=3, lockout_minutes=15)

ORG = [  # code, level, parent, valid_to
    ("HO", "head_office", None, None),
    ("GD", "province", "HO", None),
    ("GD01", "branch", "GD", None),
    ("GD01001", "outlet", "GD01", None),
    ("GD01002", "outlet", "GD01", date(2026, 9, 3)),  # merged away
]
ROSTER = [  # staff_id, outlet, role, wecom_status, valid_from, valid_to
    ("GD01001001", "GD01001", "outlet_head", 1, date(2026, 1, 1), None),
    ("GD01001002", "GD01001", "customer_manager", 1, date(2026, 1, 1), None),
    ("GD01002001", "GD01002", "branch_head", 1, date(2026, 1, 1), date(2026, 9, 3)),
    ("GD01002001", "GD01001", "branch_head", 1, date(2026, 9, 3), None),
    ("GD01002002", "GD01002", "outlet_head", 1, date(2026, 1, 1), date(2026, 9, 3)),
    ("GD01001009", "GD01001", "outlet_head", 5, date(2026, 1, 1), None),  # has left the bank
]


@pytest.fixture
def org(engine: sa.Engine) -> sa.Engine:
    with engine.begin() as connection:
        connection.execute(sa.insert(org_unit), [
            {"code": code, "name": f"unit {code}", "level": level, "parent_code": parent,
             "valid_from": date(2026, 1, 1), "valid_to": until} for code, level, parent, until in ORG])
        connection.execute(sa.insert(staff), [
            {"staff_id": sid, "name": f"head {sid}", "outlet_code": outlet, "role": role, "wecom_status": status,
             "contact_enabled": True, "valid_from": start, "valid_to": until}
            for sid, outlet, role, status, start, until in ROSTER])
    return engine


@pytest.fixture
def alice(engine: sa.Engine) -> sa.Engine:
    add_user(engine, login="alice", display_name="Alice", role="admin", email="Alice@Bank.example", password=PASSWORD)
    return engine


def audit(engine: sa.Engine, *, login: str | None = None) -> list[tuple]:
    """The access audit newest first as (actor, action, login, detail)."""
    log = access_log(engine, login=login)[["actor", "action", "login", "detail"]]
    return list(log.astype(object).where(log.notna(), None).itertuples(index=False, name=None))


def stored_row(engine: sa.Engine, login: str) -> sa.Row:
    with engine.connect() as connection:
        return connection.execute(sa.select(app_user).where(app_user.c.login == login)).one()


def refused(engine: sa.Engine, password: str, *, login: str = "alice", now: datetime | None = T0) -> AuthError:
    with pytest.raises(AuthError) as caught:
        verify_login(engine, login=login, password=password, now=now, settings=STRICT)
    return caught.value


def test_added_users_are_listed_without_hashes_and_disabling_keeps_them_on_record(org: sa.Engine) -> None:
    add_user(org, login="alice", display_name="Alice", role="admin", password=PASSWORD)
    add_user(org, login="li.ming", display_name="李明", role="branch_leader", scope_code="GD01")
    add_user(org, login="bob", display_name="Bob", role="department_head", department="retail")
    users.disable_user(org, login="li.ming")
    table = users.list_users(org).set_index("login")
    assert list(table.index) == ["alice", "bob", "li.ming"]
    assert "password_hash" not in table.columns
    assert table.loc["li.ming", ["display_name", "role", "scope_code", "disabled", "has_password"]].tolist() == [
        "李明", "branch_leader", "GD01", True, False]
    assert table.loc["bob", "department"] == "retail" and bool(table.loc["alice", "has_password"])
    assert users.get_user(org, login="li.ming") is None  # disabled accounts are not handed out
    assert users.get_user(org, login="ALICE") == User("alice", "Alice", None, "admin", "HO", None)


@pytest.mark.parametrize(("account", "cause"), [
    ({"role": "auditor"}, "unknown role 'auditor'"),
    ({"role": "branch_leader", "scope_code": "ZZ99"}, "unknown org unit 'ZZ99'"),
    ({"role": "branch_leader", "scope_code": "GD01002"}, "org unit GD01002 no longer exists"),
    ({"role": "branch_leader"}, "role branch_leader sees one subtree"),
    ({"role": "executive", "scope_code": "GD"}, "its scope is HO, not GD"),
    ({"role": "department_head"}, "role department_head needs a department"),
    ({"role": "department_head", "department": "treasury"}, "unknown department 'treasury'"),
    ({"role": "hr_ops", "department": "online"}, "role hr_ops has no department"),
    ({"role": "admin", "password": "short pass"}, "too short: at least 12"),
    ({"role": "admin", "login": "ALICE"}, "login ALICE already exists"),
    ({"role": "admin", "email": "alice@bank.EXAMPLE"}, "already belongs to alice"),
    ({"role": "admin", "login": "bad login"}, "login 'bad login' is not valid"),
    ({"role": "admin", "email": "not-an-address"}, "not a valid address"),
])
def test_invalid_accounts_are_refused_naming_the_cause_and_nothing_is_written(
    org: sa.Engine, account: dict, cause: str
) -> None:
    add_user(org, login="alice", display_name="Alice", role="admin", email="alice@bank.example")
    with pytest.raises(UserError, match=cause):
        add_user(org, **{"login": "new", "display_name": "New", **account})
    assert users.list_users(org)["login"].tolist() == ["alice"]
    assert access_log(org)["action"].tolist() == ["user_add"]  # alice's: the refused add left no trace


def test_the_store_holds_an_argon2id_hash_never_the_password(alice: sa.Engine) -> None:
    stored = stored_row(alice, "alice").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert PasswordHasher().verify(stored, PASSWORD)


def test_the_right_password_signs_in_with_the_accounts_scope(org: sa.Engine) -> None:
    add_user(org, login="li.ming", display_name="李明", role="branch_leader", scope_code="GD01", password=PASSWORD)
    user = verify_login(org, login="Li.Ming", password=PASSWORD, now=T0, settings=STRICT)
    assert user.login == "li.ming" and user.scope == Scope(unit_code="GD01", department=None)
    assert user.pages == ("overview", "drilldown", "compare", "workload", "conversion")


def test_a_wrong_password_is_counted_and_a_success_resets_the_count(alice: sa.Engine) -> None:
    assert refused(alice, "wrong password!").reason == "bad_credentials"
    assert refused(alice, "wrong password!").reason == "bad_credentials"
    assert stored_row(alice, "alice").failed_logins == 2
    verify_login(alice, login="alice", password=PASSWORD, now=T0, settings=STRICT)
    assert stored_row(alice, "alice").failed_logins == 0


def test_repeated_failures_lock_the_account_even_for_the_right_password_until_the_time_passes(alice: sa.Engine) -> None:
    refused(alice, "guess one....")
    refused(alice, "guess two....")
    locking = refused(alice, "guess three..")
    assert locking.reason == "locked" and locking.locked_until == T0 + timedelta(minutes=15)
    assert "locked until 2026-09-01 10:15 (UTC+8)" in str(locking)  # T0 is 10:00 in China
    still = refused(alice, PASSWORD, now=T0 + timedelta(minutes=14))
    assert still.reason == "locked" and "locked until 2026-09-01 10:15" in str(still)
    user = verify_login(alice, login="alice", password=PASSWORD, now=T0 + timedelta(minutes=16), settings=STRICT)
    assert user.login == "alice" and stored_row(alice, "alice").locked_until is None


def test_setting_a_password_lifts_a_lockout(alice: sa.Engine) -> None:
    for attempt in range(3):
        refused(alice, f"guess {attempt}.......")
    users.set_password(alice, login="alice", password="a brand new password", actor="cli:ops")
    assert verify_login(alice, login="alice", password="a brand new password", now=T0, settings=STRICT).login == "alice"


def test_a_disabled_account_is_refused_with_the_right_password(alice: sa.Engine) -> None:
    add_user(alice, login="root", display_name="Root", role="admin")  # alice is then not the last admin
    users.disable_user(alice, login="alice")
    problem = refused(alice, PASSWORD)
    assert problem.reason == "disabled" and "disabled" in str(problem)


def test_an_unknown_login_gets_the_same_message_as_a_wrong_password(alice: sa.Engine) -> None:
    add_user(alice, login="nopass", display_name="Signs in via OIDC", role="executive")
    wrong, unknown, passwordless = refused(alice, "wrong password!"), refused(alice, PASSWORD, login="mallory"), \
        refused(alice, PASSWORD, login="nopass")
    assert str(wrong) == str(unknown) == str(passwordless) == "wrong login or password"
    assert wrong.reason == unknown.reason == passwordless.reason == "bad_credentials"


def test_a_hash_made_with_weaker_parameters_is_upgraded_at_sign_in(alice: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    with monkeypatch.context() as patch:
        patch.setattr(users, "HASHER", PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))
        users.set_password(alice, login="alice", password=PASSWORD, actor="cli:ops")
    assert "m=8192" in stored_row(alice, "alice").password_hash
    verify_login(alice, login="alice", password=PASSWORD, now=T0, settings=STRICT)
    rehashed = stored_row(alice, "alice").password_hash
    assert "m=65536,t=3,p=4" in rehashed and PasswordHasher().verify(rehashed, PASSWORD)


def test_the_last_enabled_admin_cannot_be_disabled(alice: sa.Engine) -> None:
    with pytest.raises(UserError, match="alice is the last enabled admin"):
        users.disable_user(alice, login="alice")
    with pytest.raises(UserError, match="no account with login 'ghost'"):
        users.disable_user(alice, login="ghost")


def test_proxy_and_oidc_identities_map_to_enabled_accounts_case_insensitively(alice: sa.Engine) -> None:
    assert users.user_by_email(alice, email="ALICE@bank.example").login == "alice"
    assert sign_in.trusted_sign_in(alice, email="alice@BANK.example").login == "alice"
    assert sign_in.trusted_sign_in(alice, login="Alice").email == "Alice@Bank.example"
    assert users.user_by_email(alice, email="nobody@bank.example") is None
    with pytest.raises(AuthError, match="no Cascade account for eve@bank.example"):
        sign_in.trusted_sign_in(alice, email="eve@bank.example")
    add_user(alice, login="root", display_name="Root", role="admin")
    users.disable_user(alice, login="alice")
    with pytest.raises(AuthError, match="disabled"):
        sign_in.trusted_sign_in(alice, login="alice")


def make(role: str, department: str | None = None, scope: str = "HO") -> User:
    return User("x", "X", None, role, scope, department)


def test_a_department_head_edits_only_the_own_departments_targets_and_reads_only_it() -> None:
    head = make("department_head", "online")
    assert can(head, "edit_targets", department="online")
    assert not can(head, "edit_targets", department="retail")
    assert not can(head, "edit_targets")  # fail closed when the caller names no department
    assert not can(head, "approve_targets", department="online")
    assert head.scope == Scope(unit_code="HO", department="online")
    assert head.pages[-1] == "targets"


def test_rights_table_per_role() -> None:
    leader = make("branch_leader", scope="GD01")
    assert [right for right in ("read", "edit_targets", "approve_targets", "incentives", "data_health", "manage_users")
            if can(leader, right, department="online")] == ["read"]
    assert can(make("hr_ops"), "edit_targets", department="retail") and can(make("hr_ops"), "approve_targets")
    assert can(make("hr_ops"), "incentives") and not can(make("hr_ops"), "manage_users")
    assert not can(make("executive"), "edit_targets", department="online")
    assert can(make("admin"), "manage_users") and can(make("admin"), "data_health")
    assert users.PAGES_BY_ROLE["admin"] == users.PAGES and "health" not in users.PAGES_BY_ROLE["hr_ops"]
    assert {"targets", "incentives"} <= set(users.PAGES_BY_ROLE["hr_ops"])
    assert set(users.RIGHTS) == set(users.ROLES) == set(users.PAGES_BY_ROLE)


def test_leader_accounts_come_from_outlet_and_branch_heads_on_the_roster(org: sa.Engine) -> None:
    add_user(org, login="gd01001001", display_name="already there", role="branch_leader", scope_code="GD01001")
    before = leader_accounts_from_roster(org, day=date(2026, 9, 2)).set_index("login")
    # the branch head sits in an outlet; its scope is that outlet's branch. The leaver is left out.
    assert before[["scope_code", "source", "exists"]].to_dict("index") == {
        "GD01001001": {"scope_code": "GD01001", "source": "outlet_head", "exists": True},
        "GD01002001": {"scope_code": "GD01", "source": "branch_head", "exists": False},
        "GD01002002": {"scope_code": "GD01002", "source": "outlet_head", "exists": False},
    }
    created = add_leaders_from_roster(org, day=date(2026, 9, 2), actor="cli:ops").set_index("login")["result"]
    assert created["GD01001001"] == "exists" and created["GD01002001"] == "created"
    assert "GD01002 no longer exists" in created["GD01002002"]  # merged away since: not made
    assert audit(org)[0] == ("cli:ops", "leader_added", "GD01002001", "role=branch_leader scope=GD01")
    assert [row[1] for row in audit(org)] == ["leader_added", "user_add"]  # the refused one left no trace
    table = users.list_users(org).set_index("login")
    assert table.loc["GD01002001", ["role", "scope_code", "has_password"]].tolist() == ["branch_leader", "GD01", False]
    assert "GD01002002" not in table.index
    after = leader_accounts_from_roster(org, day=date(2026, 9, 3))
    assert after["login"].tolist() == ["GD01001001", "GD01002001"] and after["exists"].all()


def test_no_heads_on_an_empty_roster(engine: sa.Engine) -> None:
    frame = leader_accounts_from_roster(engine, day=date(2026, 9, 2))
    assert frame.empty and list(frame.columns) == ["login", "display_name", "role", "scope_code", "source", "exists"]
    assert isinstance(frame, pd.DataFrame)


def test_proxy_mode_without_proxy_enabled_refuses_to_start() -> None:
    with pytest.raises(ValidationError, match="PROXY_ENABLED=true"):
        Settings(auth_mode="proxy", proxy_enabled=False)
    settings = Settings(auth_mode="proxy", proxy_enabled=True)
    assert settings.proxy_header == "X-Forwarded-User" and settings.max_failed_logins == 5
    assert settings.lockout_minutes == 15 and settings.oidc_email_claim == "email"


def test_proxy_mode_from_the_environment_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTH_MODE", "proxy")
    monkeypatch.delenv("PROXY_ENABLED", raising=False)
    with pytest.raises(ValidationError, match="X-Forwarded-User header"):
        Settings()
    monkeypatch.setenv("PROXY_ENABLED", "true")
    assert Settings().auth_mode == "proxy"


def test_every_account_change_writes_one_audit_row_naming_who_did_what_to_whom(org: sa.Engine) -> None:
    add_user(org, login="alice", display_name="Alice", role="admin", password=PASSWORD, actor="cli:root")
    add_user(org, login="bob", display_name="Bob", role="department_head", department="retail", actor="cli:root")
    add_user(org, login="Li.Ming", display_name="李明", role="branch_leader", scope_code="GD01", actor="cli:root")
    users.set_password(org, login="li.ming", password=PASSWORD, actor="cli:ops")
    users.disable_user(org, login="LI.MING", actor="cli:ops")
    users.enable_user(org, login="li.ming", actor="cli:ops")
    assert audit(org)[::-1] == [
        ("cli:root", "user_add", "alice", "role=admin scope=HO"),
        ("cli:root", "user_add", "bob", "role=department_head scope=HO department=retail"),
        ("cli:root", "user_add", "Li.Ming", "role=branch_leader scope=GD01"),
        ("cli:ops", "password_set", "Li.Ming", None),  # the account's own spelling, whatever was typed
        ("cli:ops", "user_disable", "Li.Ming", None),
        ("cli:ops", "user_enable", "Li.Ming", None),
    ]
    log = access_log(org)
    assert str(log["at"].dt.tz) == "UTC" and log["at"].is_monotonic_decreasing


def test_refused_changes_write_no_audit_row(alice: sa.Engine) -> None:
    with pytest.raises(UserError, match="last enabled admin"):
        users.disable_user(alice, login="alice", actor="cli:ops")
    with pytest.raises(UserError, match="no account with login 'ghost'"):
        users.set_password(alice, login="ghost", password=PASSWORD, actor="cli:ops")
    with pytest.raises(UserError, match="too short"):
        users.set_password(alice, login="alice", password="short", actor="cli:ops")
    with pytest.raises(UserError, match="no account with login 'ghost'"):
        users.enable_user(alice, login="ghost", actor="cli:ops")
    assert audit(alice) == [("unattributed", "user_add", "alice", "role=admin scope=HO")]


def test_a_change_whose_audit_row_cannot_be_written_is_not_made(sqlite_engine: sa.Engine) -> None:
    """The audit row shares the change's transaction: no change ever lacks its row."""
    add_user(sqlite_engine, login="alice", display_name="Alice", role="admin", actor="cli:root")
    add_user(sqlite_engine, login="root", display_name="Root", role="admin", actor="cli:root")
    with sqlite_engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE access_audit")
    with pytest.raises(sa.exc.OperationalError, match="access_audit"):
        add_user(sqlite_engine, login="bob", display_name="Bob", role="executive", actor="cli:root")
    with pytest.raises(sa.exc.OperationalError, match="access_audit"):
        users.disable_user(sqlite_engine, login="alice", actor="cli:root")
    table = users.list_users(sqlite_engine).set_index("login")
    assert list(table.index) == ["alice", "root"] and not table.loc["alice", "disabled"]


def test_a_lockout_is_audited_failure_by_failure_then_the_lock_then_each_refusal(alice: sa.Engine) -> None:
    for attempt in range(STRICT.max_failed_logins):
        refused(alice, f"guess {attempt}.......")
    refused(alice, PASSWORD, now=T0 + timedelta(minutes=14))
    verify_login(alice, login="ALICE", password=PASSWORD, now=T0 + timedelta(minutes=16), settings=STRICT)
    assert [row for row in audit(alice, login="Alice")[::-1] if row[1] != "user_add"] == [
        ("alice", "sign_in_failed", "alice", "wrong password 1 of 3"),
        ("alice", "sign_in_failed", "alice", "wrong password 2 of 3"),
        ("alice", "locked", "alice", "locked until 2026-09-01T02:15:00+00:00"),
        ("alice", "sign_in_refused", "alice", "locked until 2026-09-01T02:15:00+00:00"),
        ("alice", "sign_in", "alice", None),
    ]
    sign_ins = access_log(alice).iloc[1:]  # stamped with the attempt's own clock, the one the lock uses
    assert sign_ins["at"].tolist() == [pd.Timestamp(T0 + timedelta(minutes=m)) for m in (16, 14, 0, 0, 0)]


def test_unknown_passwordless_and_disabled_sign_ins_are_audited(alice: sa.Engine) -> None:
    add_user(alice, login="nopass", display_name="Signs in via OIDC", role="executive")
    add_user(alice, login="root", display_name="Root", role="admin")  # alice is then not the last admin
    refused(alice, PASSWORD, login=" Mallory ", now=None)  # now: on the clock the changes use too
    refused(alice, PASSWORD, login="x" * 100, now=None)  # a password typed into the login field, say
    refused(alice, PASSWORD, login="nopass", now=None)
    users.disable_user(alice, login="alice", actor="cli:ops")
    refused(alice, PASSWORD, now=None)
    assert audit(alice)[:5][::-1] == [
        ("Mallory", "sign_in_unknown", "Mallory", None),
        ("x" * 64, "sign_in_unknown", "x" * 64, None),
        ("nopass", "sign_in_failed", "nopass", "the account has no password: it signs in through the proxy or OIDC"),
        ("cli:ops", "user_disable", "alice", None),
        ("alice", "sign_in_refused", "alice", "disabled"),
    ]
    assert audit(alice, login="mallory") == []  # an unknown login is matched as typed
    assert [row[1] for row in audit(alice, login="Mallory")] == ["sign_in_unknown"]


def test_trusted_sign_ins_are_audited_with_the_proxy_or_the_identity_provider_as_actor(alice: sa.Engine) -> None:
    sign_in.trusted_sign_in(alice, login="ALICE")
    sign_in.trusted_sign_in(alice, email="alice@BANK.example", via="oidc")
    with pytest.raises(AuthError):
        sign_in.trusted_sign_in(alice, email="eve@bank.example", via="oidc")
    with pytest.raises(AuthError):
        sign_in.trusted_sign_in(alice, login=None)
    add_user(alice, login="root", display_name="Root", role="admin")
    users.disable_user(alice, login="alice", actor="cli:root")
    with pytest.raises(AuthError, match="disabled"):
        sign_in.trusted_sign_in(alice, login="alice")
    with pytest.raises(ValueError, match="unknown trusted sign-in 'ldap'"):
        sign_in.trusted_sign_in(alice, login="alice", via="ldap")
    assert [row for row in audit(alice)[::-1] if row[0] in ("proxy", "oidc")] == [
        ("proxy", "trusted_sign_in", "alice", None),
        ("oidc", "trusted_sign_in", "alice", "email alice@BANK.example"),
        ("oidc", "trusted_sign_in_refused", "eve@bank.example", "no account for eve@bank.example"),
        ("proxy", "trusted_sign_in_refused", "", "the sign-in did not name a user"),
        ("proxy", "trusted_sign_in_refused", "alice", "disabled"),
    ]


def test_the_access_log_filters_by_account_and_keeps_the_newest(alice: sa.Engine) -> None:
    add_user(alice, login="bob", display_name="Bob", role="executive", password=PASSWORD, actor="cli:root")
    soon = datetime.now(timezone.utc) + timedelta(hours=1)
    for minutes in (1, 2, 3):
        verify_login(alice, login="bob", password=PASSWORD, now=soon + timedelta(minutes=minutes), settings=STRICT)
    verify_login(alice, login="alice", password=PASSWORD, now=soon, settings=STRICT)
    assert [row[1:3] for row in audit(alice, login="ALICE")] == [("sign_in", "alice"), ("user_add", "alice")]
    newest = access_log(alice, login="bob", limit=2)
    assert newest["at"].tolist() == [pd.Timestamp(soon + timedelta(minutes=m)) for m in (3, 2)]
    with pytest.raises(ValueError, match="limit must be at least 1"):
        access_log(alice, limit=0)
    assert access_log(alice, login="nobody").empty
