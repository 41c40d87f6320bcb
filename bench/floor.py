"""The floor of a day's load: the least any loader of ours could spend on one day of a bank.

Why: DESIGN §7's year budget (the large bank's 365 days in 300 s, 0.82 s a day) is far from
what the loader does (≈ 5.5 s a day). Before rewriting the loader for it, this measures what
nothing can avoid: each daily file read by the fastest reader at hand (Arrow's CSV reader, the
json module) and its rows written into the store's own fact tables (schema, keys and indexes
of `python -m etl init`, the store's pragmas) with one executemany per table — no validation,
no conforming, no rejects, no run records, no rollups, no month tables. A loader that does all
of those cannot be faster than this on the same machine; if this alone is over budget, the
budget cannot be met by tuning the loader.

Example: python -m bench.floor data/bench/large-7-35d/inbox --days 8
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pyarrow.csv as pa_csv

from store import bulk
from store.engine import Table, make_engine
from store.migrate import upgrade
from store.schema import fact_contact, fact_conversion, fact_staff_day
from etl.sources.wecom import normalise_keys
from etl.sources.wecom_models import BEHAVIOR_FIELDS, GROUP_FIELDS

CONTACT_COLUMNS = ["customer_key", "staff_id", "added_on", "removed_on", "first_chat_on", "segment", "kind"]
CONVERSION_COLUMNS = ["day", "staff_id", "department", "kind", "segment", "product", "count", "amount"]


@dataclass(frozen=True)
class DayFloor:
    """One day's files: seconds per step, and the rows written."""

    stamp: str
    seconds: dict[str, float]
    rows: dict[str, int]

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


def _csv_rows(path: Path, columns: list[str]) -> list[tuple]:
    """The file's rows as tuples of Python values (ISO text for days: what the store holds)."""
    options = pa_csv.ConvertOptions(include_columns=columns, strings_can_be_null=True,
                                    column_types={c: "string" for c in columns if c in ("added_on", "removed_on",
                                                                                       "first_chat_on", "day")})
    table = pa_csv.read_csv(path, convert_options=options)
    return list(zip(*(table.column(c).to_pylist() for c in columns)))


def _iso_day(epoch: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(epoch + 8 * 3600))  # WeCom's days are Beijing days


def _wecom_rows(path: Path) -> tuple[list[tuple], list[str]]:
    """(day, staff, fields…) of a behaviour or group-statistics exchange log, and the fields."""
    rows: list[tuple] = []
    fields: list[str] = []
    with path.open("rb") as lines:
        for line in lines:
            exchange = json.loads(line)
            body, request = exchange["response"], exchange["request"]
            if exchange["api"].endswith("get_user_behavior_data"):
                if "behavior_data" not in body:  # a Java layer's camelCase body (behaviorList, chatCnt)
                    body = normalise_keys(body)
                fields = BEHAVIOR_FIELDS
                staff = request["userid"][0]
                rows += [(_iso_day(item["stat_time"]), staff, *(item.get(f) for f in fields))
                         for item in body.get("behavior_data", [])]  # an empty pull has none
            else:  # groupchat/statistic (per owner, one day) or statistic_group_by_day (one owner, per day)
                fields = GROUP_FIELDS
                owners = request["owner_filter"]["userid_list"]
                rows += [(_iso_day(item.get("stat_time", request["day_begin_time"])), item.get("owner", owners[0]),
                          *(item["data"].get(f) for f in fields)) for item in body["items"]]
    return rows, fields


def _upsert(cursor, table: Table, columns: list[str], keys: list[str], rows: list[tuple]) -> None:  # noqa: ANN001
    """One executemany of the store's own upsert (store.bulk.sqlite_upsert): every value bound."""
    sql, order = bulk.sqlite_upsert(table, columns, keys=keys)
    if order != columns:  # the rows are built in `columns` order; the statement binds the table's
        raise ValueError(f"{table.name}: give the columns in the table's order {order}, not {columns}")
    cursor.execute("BEGIN")
    cursor.executemany(sql, rows)
    cursor.execute("COMMIT")


def floor_day(cursor, inbox: Path, stamp: str) -> DayFloor:  # noqa: ANN001 - a DBAPI cursor
    """Read and write the daily files of `stamp` (YYYYMMDD), timing each step."""
    seconds: dict[str, float] = {}
    rows_written: dict[str, int] = {}

    def timed(step: str, work):  # noqa: ANN001, ANN202
        started = time.perf_counter()
        out = work()
        seconds[step] = seconds.get(step, 0.0) + time.perf_counter() - started
        return out

    contacts = timed("contacts read", lambda: sorted(_csv_rows(inbox / f"contacts_{stamp}.csv", CONTACT_COLUMNS),
                                                     key=lambda row: (row[2], row[1], row[0])))
    timed("contacts write", lambda: _upsert(cursor, fact_contact, CONTACT_COLUMNS,
                                            ["added_on", "staff_id", "customer_key"], contacts))
    conversions = timed("conversions read", lambda: _csv_rows(inbox / f"conversions_{stamp}.csv", CONVERSION_COLUMNS))
    timed("conversions write", lambda: _upsert(cursor, fact_conversion, CONVERSION_COLUMNS,
                                               CONVERSION_COLUMNS[:6], conversions))
    rows_written.update(contacts=len(contacts), conversions=len(conversions), staff_days=0)
    for source in ("wecom_behavior", "wecom_groupchat"):
        staff_days, fields = timed("wecom read", lambda: _wecom_rows(inbox / f"{source}_{stamp}.jsonl"))
        timed("wecom write", lambda: _upsert(cursor, fact_staff_day, ["day", "staff_id", *fields],
                                             ["day", "staff_id"], staff_days))
        rows_written["staff_days"] += len(staff_days)
    return DayFloor(stamp, seconds, rows_written)


def measure(inbox: Path, store: Path, *, days: int) -> list[DayFloor]:
    """The first `days` days of `inbox` written one after the other into a fresh store file."""
    for stale in store.parent.glob(store.name + "*"):
        stale.unlink()
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    stamps = sorted(p.stem.rsplit("_", 1)[-1] for p in inbox.glob("contacts_*.csv"))[:days]
    raw = engine.raw_connection()  # the store's pragmas (WAL, synchronous=NORMAL, page and cache sizes)
    try:
        raw.driver_connection.isolation_level = None  # BEGIN/COMMIT as written: one transaction per file
        cursor = raw.driver_connection.cursor()
        return [floor_day(cursor, inbox, stamp) for stamp in stamps]
    finally:
        raw.close()
        engine.dispose()


@click.command()
@click.argument("inbox", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--days", type=click.IntRange(min=1), default=8, show_default=True, help="Days to write.")
@click.option("--store", type=click.Path(path_type=Path), default=Path("data/bench/floor.db"), show_default=True,
              help="The SQLite file written (replaced).")
def main(inbox: Path, days: int, store: Path) -> None:
    """Print the floor of a day's load for the bank in INBOX: per day and step, then the median day
    over a year beside the 300 s budget.

    Example: python -m bench.floor data/bench/large-7-35d/inbox --days 8
    """
    store.parent.mkdir(parents=True, exist_ok=True)
    measured = measure(inbox, store, days=days)
    steps = list(measured[0].seconds)
    click.echo("day        total s  " + "  ".join(f"{s:>17}" for s in steps) + "   rows (contacts, conversions, staff-days)")
    for day in measured:
        figures = "  ".join(f"{day.seconds[s]:>17.2f}" for s in steps)
        click.echo(f"{day.stamp}  {day.total:>7.2f}  {figures}   {day.rows['contacts']:,}, "
                   f"{day.rows['conversions']:,}, {day.rows['staff_days']:,}")
    median = statistics.median(day.total for day in measured[1:] or measured)  # the first day writes into empty tables
    click.echo(f"median day (after the first): {median:.2f} s; × 365 = {median * 365:,.0f} s "
               f"against the year budget of 300 s (0.82 s a day)")


if __name__ == "__main__":
    main()
