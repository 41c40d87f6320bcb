"""`python -m etl`: a thin command line over the ETL library.

Each command's docstring is its --help, with an example.
"""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from store.engine import make_engine
from store.leaders import add_leaders_from_roster, leader_accounts_from_roster
from store.migrate import upgrade
from store.settings import get_settings
from store.users import (
    DEPARTMENTS,
    HEAD_OFFICE,
    ROLES,
    UserError,
    access_log,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
)

SCALES = ("small", "large", "national")


@click.group()
@click.option("--db", "database_url", envvar="DATABASE_URL", help="Store URL (default: settings).")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Cascade ETL: create the store, generate the demo bank, load source files."""
    ctx.obj = database_url or get_settings().database_url


@cli.command()
@click.pass_obj
def init(database_url: str) -> None:
    """Create or upgrade the store's schema (safe to run again).

    Example: python -m etl init
    """
    revision = upgrade(make_engine(database_url))
    click.echo(f"schema at revision {revision}: {database_url}")


@cli.command()
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--days", type=int, default=None, help="Days to generate (default: per scale).")
@click.option(
    "--end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-10-31",
    show_default=True,
    help="Last day of the generated period.",
)
def demo(scale: str, out: Path, seed: int, days: int | None, end) -> None:  # noqa: ANN001
    """Write a whole demo bank's source files (deterministic for a seed).

    Example: python -m etl demo --scale small --out data/inbox/demo --seed 7
    """
    from etl.demo import generate

    manifest = generate(scale=scale, out=out, seed=seed, days=days, end=end.date(), progress=True)
    counts = manifest.get("counts", {})
    click.echo(f"demo bank '{scale}' (seed {seed}) written to {out}: {len(counts)} file kinds")
    for kind, count in sorted(counts.items()):
        click.echo(f"  {kind}: {count}")


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--force", is_flag=True, help="Reload files already loaded with the same checksum.")
@click.option("--parse-ahead/--no-parse-ahead", default=True, show_default=True,
              help="For big loads (64 MB of fact files or more), parse the next files in a second process "
                   "while one is written.")
@click.pass_obj
def load(database_url: str, paths: tuple[Path, ...], force: bool, parse_ahead: bool) -> None:
    """Load source files (or folders of them) into the store, routing each file by name.

    Example: python -m etl load data/inbox/demo-small-7
    """
    from etl.load import load_paths

    engine = make_engine(database_url)
    upgrade(engine)
    summary = load_paths(engine, list(paths), force=force, progress=True, parse_ahead=parse_ahead)
    for line in summary.lines():
        click.echo(line)
    if summary.failed:
        raise click.ClickException(f"{len(summary.failed)} file(s) failed; see above")


@cli.command()
@click.pass_obj
def status(database_url: str) -> None:
    """Show the latest load and freshness per source.

    Example: python -m etl status
    """
    from store.read import source_freshness

    frame = source_freshness(make_engine(database_url), today=date.today())
    if frame.empty:
        click.echo("no loads yet")
        return
    click.echo(frame.to_string(index=False))


@cli.command()
@click.option("--run", "run_id", type=int, default=None, help="Only this load run (see `status`).")
@click.option("--limit", type=int, default=1000, show_default=True)
@click.pass_obj
def rejects(database_url: str, run_id: int | None, limit: int) -> None:
    """List quarantined rows with file, line, column and reason.

    Example: python -m etl rejects --run 12
    """
    from store.read import rejects as read_rejects

    frame = read_rejects(make_engine(database_url), run_id=run_id, limit=limit)
    if frame.empty:
        click.echo("no rejected rows")
        return
    frame["file"] = frame["file"].map(lambda path: Path(path).name)
    click.echo(frame.to_string(index=False))


@cli.group()
def users() -> None:
    """Accounts that may sign in to the dashboard (roles and rights: docs/access.md)."""


def _user_store(database_url: str):  # noqa: ANN202 - an Engine; the ETL does not import SQLAlchemy
    engine = make_engine(database_url)
    upgrade(engine)
    return engine


def _operator() -> str:
    """Who runs the command, for the access audit: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no USER/LOGNAME and no passwd entry (some containers)
        return f"cli:uid-{os.getuid()}"


def _change_account(database_url: str, change: Callable[..., None], **arguments: str) -> None:
    """Run an account change as this operator; a refusal is the command's error message."""
    try:
        change(_user_store(database_url), actor=_operator(), **arguments)
    except UserError as problem:
        raise click.ClickException(str(problem)) from None


def _new_password(from_stdin: bool) -> str:
    """The password from one line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():  # getpass would fall back to reading stdin with echo on
        raise click.ClickException("no terminal to type a password in: use --password-stdin or --no-password")
    try:
        first = getpass.getpass("password: ")
        again = getpass.getpass("password again: ")
    except EOFError:
        raise click.ClickException("no password typed: use --password-stdin or --no-password") from None
    if first != again:
        raise click.ClickException("the two passwords differ; nothing was changed")
    return first


@users.command("add")
@click.argument("login")
@click.option("--name", "display_name", required=True, help="Name shown in the dashboard.")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--scope", "scope_code", default=HEAD_OFFICE, show_default=True,
              help="Org unit the user sees (branch_leader: its province, branch or outlet code).")
@click.option("--department", type=click.Choice(DEPARTMENTS), default=None, help="department_head only.")
@click.option("--email", default=None, help="Matched to the OpenID Connect email claim.")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.option("--no-password", is_flag=True, help="Sign-in only through the proxy or OIDC.")
@click.pass_obj
def users_add(database_url: str, login: str, password_stdin: bool, no_password: bool, **account: str | None) -> None:
    """Create an account. The password is prompted for (never an argument), at least 12 characters.

    Example: python -m etl users add li.ming --name 李明 --role branch_leader --scope GD01
    """
    if no_password and password_stdin:
        raise click.ClickException("--no-password and --password-stdin contradict each other")
    password = None if no_password else _new_password(password_stdin)
    try:
        user = add_user(_user_store(database_url), login=login, password=password, actor=_operator(), **account)
    except UserError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(f"added {user.login} ({user.role}, scope {user.scope_code})")


@users.command("list")
@click.pass_obj
def users_list(database_url: str) -> None:
    """List accounts with role, scope and state (never password hashes).

    Example: python -m etl users list
    """
    table = list_users(_user_store(database_url))
    click.echo("no users" if table.empty else table.to_string(index=False))


@users.command("disable")
@click.argument("login")
@click.pass_obj
def users_disable(database_url: str, login: str) -> None:
    """Refuse every further sign-in of an account (it stays on record).

    Example: python -m etl users disable li.ming
    """
    _change_account(database_url, disable_user, login=login)
    click.echo(f"disabled {login}")


@users.command("enable")
@click.argument("login")
@click.pass_obj
def users_enable(database_url: str, login: str) -> None:
    """Allow a disabled account to sign in again (this also clears its failure count).

    Example: python -m etl users enable li.ming
    """
    _change_account(database_url, enable_user, login=login)
    click.echo(f"enabled {login}")


@users.command("passwd")
@click.argument("login")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of stdin.")
@click.pass_obj
def users_passwd(database_url: str, login: str, password_stdin: bool) -> None:
    """Set an account's password (this also lifts a lockout).

    Example: python -m etl users passwd li.ming
    """
    _change_account(database_url, set_password, login=login, password=_new_password(password_stdin))
    click.echo(f"password set for {login}")


@users.command("from-roster")
@click.option("--day", type=click.DateTime(formats=["%Y-%m-%d"]), required=True, help="Roster as of this day.")
@click.option("--dry-run", is_flag=True, help="Only list the proposed accounts.")
@click.pass_obj
def users_from_roster(database_url: str, day, dry_run: bool) -> None:  # noqa: ANN001
    """Create branch_leader accounts (no password) for outlet and branch heads on the roster.

    Example: python -m etl users from-roster --day 2026-10-31 --dry-run
    """
    engine = _user_store(database_url)
    if dry_run:
        table = leader_accounts_from_roster(engine, day=day.date())
    else:
        table = add_leaders_from_roster(engine, day=day.date(), actor=_operator())
    click.echo("no outlet or branch heads on the roster that day" if table.empty else table.to_string(index=False))


@users.command("log")
@click.option("--login", default=None, help="Only this account's entries (or a login as typed at sign-in).")
@click.option("--limit", type=click.IntRange(min=1), default=200, show_default=True, help="Newest entries to show.")
@click.pass_obj
def users_log(database_url: str, login: str | None, limit: int) -> None:
    """Show the access audit, newest first: account changes and sign-in attempts.

    Example: python -m etl users log --login li.ming --limit 20
    """
    table = access_log(_user_store(database_url), login=login, limit=limit)
    if table.empty:
        click.echo("no audit entries")
        return
    table["at"] = table["at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")
    table["detail"] = table["detail"].fillna("")
    width = int(table["detail"].str.len().max())  # the free text reads better left-aligned
    text = table.to_string(index=False, justify="left", formatters={"detail": lambda detail: f"{detail:<{width}}"})
    click.echo("\n".join(line.rstrip() for line in text.splitlines()))
