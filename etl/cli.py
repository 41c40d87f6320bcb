"""`python -m etl`: a thin command line over the ETL library.

Each command's docstring is its --help, with an example.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from store.engine import make_engine
from store.migrate import upgrade
from store.settings import get_settings

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
@click.pass_obj
def load(database_url: str, paths: tuple[Path, ...], force: bool) -> None:
    """Load source files (or folders of them) into the store, routing each file by name.

    Example: python -m etl load data/inbox/demo-small-7
    """
    from etl.load import load_paths

    engine = make_engine(database_url)
    upgrade(engine)
    summary = load_paths(engine, list(paths), force=force, progress=True)
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
