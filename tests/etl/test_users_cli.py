"""`python -m etl users ...` as an administrator runs it, on a real SQLite file: the first test in a
real process, the others through click's runner in this one (same commands, no start-up cost)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from etl.cli import cli
from store.engine import make_engine
from store.read import frame
from store.schema import staff
from store.sign_in import verify_login

PASSWORD = "a long enough password"
DEMO_DAY = date(2026, 10, 31)  # the last day of the demo fixture


def run_users(*args: str, db: Path, stdin: str = "", os_user: str = "ops.admin",
              real: bool = False) -> subprocess.CompletedProcess[str]:
    """`python -m etl users ARGS` on `db`; in this process through click's runner unless `real`
    (a real process): the same command objects, without ~1.5 s of interpreter start-up each."""
    # getpass.getuser() reads LOGNAME first: the operator the audit names
    env = {"DATABASE_URL": f"sqlite:///{db}", "LOGNAME": os_user, "USER": os_user}
    if real:
        return subprocess.run([sys.executable, "-m", "etl", "users", *args], cwd=db.parent,
                              env={**os.environ, **env}, input=stdin, capture_output=True, text=True, timeout=120)
    result = CliRunner().invoke(cli, ["users", *args], env=env, input=stdin, prog_name="python -m etl")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(args, result.exit_code, result.stdout, result.stderr)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cascade.db"


def test_add_with_password_from_stdin_then_list_shows_the_account_but_no_hash(db: Path) -> None:
    out = ok(run_users("add", "alice", "--name", "Alice", "--role", "admin", "--password-stdin", db=db,
                       stdin=PASSWORD + "\n", real=True))
    assert out.strip() == "added alice (admin, scope HO)"
    listed = ok(run_users("list", db=db, real=True))
    header, row = listed.splitlines()
    assert header.split()[:6] == ["login", "display_name", "email", "role", "scope_code", "department"]
    assert row.split()[:2] == ["alice", "Alice"] and "admin" in row
    assert "argon2" not in listed and PASSWORD not in listed
    assert verify_login(make_engine(f"sqlite:///{db}"), login="alice", password=PASSWORD).role == "admin"


def test_a_password_is_never_taken_as_an_argument_and_a_missing_one_is_named(db: Path) -> None:
    as_argument = run_users("add", "bob", "--name", "Bob", "--role", "admin", "--password", PASSWORD, db=db)
    assert as_argument.returncode == 2 and "No such option '--password'" in as_argument.stderr
    no_input = run_users("add", "bob", "--name", "Bob", "--role", "admin", db=db)
    assert no_input.returncode == 1 and "use --password-stdin or --no-password" in no_input.stderr
    too_short = run_users("add", "bob", "--name", "Bob", "--role", "admin", "--password-stdin", db=db, stdin="short\n")
    assert too_short.returncode == 1 and "too short: at least 12 characters" in too_short.stderr
    assert ok(run_users("list", db=db)).strip() == "no users"


def test_bad_accounts_are_refused_with_the_cause(db: Path) -> None:
    leader = run_users("add", "li", "--name", "Li", "--role", "branch_leader", "--scope", "GD99", "--no-password", db=db)
    assert leader.returncode == 1 and "unknown org unit 'GD99'" in leader.stderr
    head = run_users("add", "wang", "--name", "Wang", "--role", "department_head", "--no-password", db=db)
    assert head.returncode == 1 and "needs a department: one of online, retail" in head.stderr


def test_disable_and_passwd(db: Path) -> None:
    ok(run_users("add", "root", "--name", "Root", "--role", "admin", "--no-password", db=db))
    ok(run_users("add", "exec", "--name", "Exec", "--role", "executive", "--no-password", db=db))
    ok(run_users("passwd", "exec", "--password-stdin", db=db, stdin=PASSWORD + "\n"))
    engine = make_engine(f"sqlite:///{db}")
    assert verify_login(engine, login="exec", password=PASSWORD).login == "exec"
    assert ok(run_users("disable", "exec", db=db)).strip() == "disabled exec"
    rows = {line.split()[0]: line for line in ok(run_users("list", db=db)).splitlines()[1:]}
    assert "True" in rows["exec"] and "True" not in rows["root"]
    unknown = run_users("disable", "ghost", db=db)
    assert unknown.returncode == 1 and "no account with login 'ghost'" in unknown.stderr


def test_from_roster_dry_run_lists_the_outlet_heads_and_creates_nothing(demo_sqlite_url: str, db: Path) -> None:
    shutil.copy(sa.engine.make_url(demo_sqlite_url).database, db)  # the session's demo store is read-only
    with make_engine(f"sqlite:///{db}").connect() as connection:
        on_day = (staff.c.valid_from <= DEMO_DAY) & (staff.c.valid_to.is_(None) | (staff.c.valid_to > DEMO_DAY))
        heads = frame(connection, sa.select(staff.c.staff_id, staff.c.outlet_code).where(
            on_day, staff.c.role == "outlet_head", staff.c.wecom_status != 5))
    assert len(heads) > 10
    out = ok(run_users("from-roster", "--day", DEMO_DAY.isoformat(), "--dry-run", db=db))
    listed = {line.split()[0]: line.split() for line in out.splitlines()[1:]}
    assert set(listed) == set(heads["staff_id"])
    assert all(listed[sid][-3:] == [outlet, "outlet_head", "False"]
               for sid, outlet in zip(heads["staff_id"], heads["outlet_code"], strict=True))
    assert ok(run_users("list", db=db)).strip() == "no users"
    created = ok(run_users("from-roster", "--day", DEMO_DAY.isoformat(), db=db))
    assert sum(line.endswith("created") for line in created.splitlines()) == len(heads)
    assert len(ok(run_users("list", db=db)).splitlines()) == len(heads) + 1
    audited = logged(ok(run_users("log", "--limit", "1000", db=db)))
    assert sorted(row[2] for row in audited if row[:2] == ["cli:ops.admin", "leader_added"]) == sorted(heads["staff_id"])


def logged(out: str) -> list[list[str]]:
    """`users log` rows as [actor, action, login, detail words...]; `at` is three words."""
    return [line.split()[3:] for line in out.splitlines()[1:]]


def test_log_lists_changes_and_sign_ins_newest_first_naming_the_operator(db: Path) -> None:
    ok(run_users("add", "root", "--name", "Root", "--role", "admin", "--no-password", db=db, os_user="alice"))
    ok(run_users("add", "li", "--name", "Li", "--role", "executive", "--no-password", db=db))
    ok(run_users("passwd", "li", "--password-stdin", db=db, stdin=PASSWORD + "\n"))
    engine = make_engine(f"sqlite:///{db}")
    verify_login(engine, login="li", password=PASSWORD)
    ok(run_users("disable", "li", db=db))
    ok(run_users("enable", "LI", db=db))
    assert logged(ok(run_users("log", db=db))) == [
        ["cli:ops.admin", "user_enable", "li"],
        ["cli:ops.admin", "user_disable", "li"],
        ["li", "sign_in", "li"],
        ["cli:ops.admin", "password_set", "li"],
        ["cli:ops.admin", "user_add", "li", "role=executive", "scope=HO"],
        ["cli:alice", "user_add", "root", "role=admin", "scope=HO"],
    ]
    header = ok(run_users("log", "--login", "root", db=db)).splitlines()[0]
    assert header.split() == ["at", "actor", "action", "login", "detail"]
    assert logged(ok(run_users("log", "--login", "ROOT", db=db))) == [["cli:alice", "user_add", "root", "role=admin", "scope=HO"]]
    assert [row[1] for row in logged(ok(run_users("log", "--login", "li", "--limit", "2", db=db)))] == [
        "user_enable", "user_disable"]
    assert ok(run_users("log", "--login", "ghost", db=db)).strip() == "no audit entries"
    bad = run_users("log", "--limit", "0", db=db)
    assert bad.returncode == 2 and "--limit" in bad.stderr
