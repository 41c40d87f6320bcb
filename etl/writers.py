"""One writer per source: parse, validate, conform and write a file's rows.

Dimensions (org, roster) are full-history deliveries: the table is replaced in one
transaction. Facts land one day per transaction. What a fact source replaces:
- WeCom behaviour and group statistics: the row of that staff member and day (a later
  exchange wins; early pulls return zeros and are corrected by later ones);
- contacts: the relation (a delta keyed by the add: day added, staff and customer);
- conversions, tasks, interceptions: everything of that source on the days the file holds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from datetime import date
from pathlib import Path

import pandas as pd

from etl import conform, corrections
from etl.parse_ahead import PARSERS
from etl.rollups import BEHAVIOUR, CONVERSION, CUSTOMER, GRAINS
from etl.sources import wecom
from etl.files import SourceError, day_of_name
from etl.sources.directory import parse_directory
from etl.sources.extracts import parse_extract
from etl.sources.targets import parse_targets
from etl.sources.wecom_models import Parsed
from etl.validate import Validated
from store import history_pack, read, write
from store.engine import Engine, Table
from store.targets import import_targets
from store.schema import CONTACT_KEY, fact_conversion, fact_staff_day, org_unit, staff

VERSION_KEYS = {"org_units": ["code", "valid_from"], "staff_roster": ["staff_id", "valid_from"]}


@dataclass
class Outcome:
    rows_in: int
    rows_loaded: int
    rows_rejected: int
    rows_superseded: int = 0  # rows replaced by a later row for the same key in the file
    days: set[date] = field(default_factory=set)  # days the file's data covers
    touched: set[date] = field(default_factory=set)  # days whose rollups must be rebuilt
    grains: frozenset[str] = frozenset(GRAINS)  # ... and which of their grains (a dimension: all)
    corrected: dict[date, corrections.Correction] = field(default_factory=dict)  # rolled-up days corrected


@dataclass
class Histories:
    """The org and roster histories facts are conformed against, read once per load and
    re-read only after a dimension file replaced them."""

    org: pd.DataFrame
    staff: pd.DataFrame

    @classmethod
    def read(cls, engine: Engine) -> Histories:
        with engine.connect() as connection:
            return cls(read.org_history(connection), read.staff_history(connection))


def write_dimension(engine: Engine, run_id: int, path: Path, history: Histories, *, source: str, table: Table) -> Outcome:
    parsed = parse_extract(path, source)
    validated = Validated(parsed.rows, parsed.rejects)
    if source == "org_units":
        conform.known_parents(validated)
        old = history.org
    else:
        conform.known_outlets(validated, history.org)
        old = history.staff
    rows = validated.rows.drop_duplicates(VERSION_KEYS[source], keep="last").drop(columns="line")
    _refuse_a_gutted_history(engine, run_id, path, rejected=len(validated.rejects), rows_in=parsed.rows_in,
                             rejects=validated.rejects)
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), validated.rejects)
        loaded = write.replace_all(connection, table, rows)
        # The table as read back is both this load's history from now on and the packed copy
        # the next loads read (a national roster in ~0.3 s instead of ~5 s).
        replaced = read.HISTORIES[table.name](connection, packed=False)
        history_pack.write(connection, table, replaced)
        fact_days = read.fact_days(connection)
    if source == "org_units":
        history.org = replaced
    else:
        history.staff = replaced
    since = _first_changed_day(old, rows)
    touched = {d for d in fact_days if since is not None and d >= since}
    superseded = len(validated.rows) - len(rows)
    return Outcome(parsed.rows_in, loaded, len(validated.rejects), superseded, touched=touched)


# A full-history delivery replaces the whole table, so a file with many bad rows would
# silently delete the history those rows stood for. Above this share it fails whole.
MAX_REJECTED_SHARE = 0.01


def _refuse_a_gutted_history(engine: Engine, run_id: int, path: Path, *, rejected: int, rows_in: int,
                             rejects: list[dict]) -> None:
    if rows_in == 0:
        raise SourceError(path, "has no rows: a full history cannot be empty, so the current history is kept")
    if rejected <= MAX_REJECTED_SHARE * rows_in and rejected < rows_in:
        return
    with engine.begin() as connection:  # keep the reasons: `etl rejects --run` shows them
        write.add_rejects(connection, run_id, str(path), rejects)
    first = rejects[0]["reason"] if rejects else "no rows"
    raise SourceError(path, f"{rejected} of {rows_in} rows rejected (first: {first}); a full history replaces "
                            f"the table, so the file was not loaded and the current history is kept")


def _first_changed_day(old: pd.DataFrame, new: pd.DataFrame) -> date | None:
    """The first day on which the old and the new history differ (None if identical)."""
    columns = [c for c in new.columns if c in old.columns]
    both = pd.concat([old[columns], new[columns]]).astype(str)
    changed = both.drop_duplicates(keep=False)
    if changed.empty:
        return None
    bounds = pd.concat([pd.to_datetime(changed["valid_from"]), pd.to_datetime(changed["valid_to"], errors="coerce")])
    return bounds.min().date()


def write_staff_day(engine: Engine, run_id: int, path: Path, history: Histories, *, source: str,
                    parse: Parse | None = None) -> Outcome:
    """WeCom behaviour / group statistics, or tasks / interceptions, into fact_staff_day."""
    parsed = _parsed(source, path, parse)
    if source.startswith("wecom_"):
        keep = wecom.BEHAVIOR_FIELDS if source == "wecom_behavior" else wecom.GROUP_FIELDS
    else:
        keep = ["tasks_assigned", "tasks_done"] if source == "tasks" else ["intercepted_msgs"]
    validated = Validated(parsed.rows, parsed.rejects)
    if not validated.rows.empty:
        conform.known_staff_on_day(validated, history.staff, day_column="day")
    rows = validated.rows.sort_values("line").drop_duplicates(["staff_id", "day"], keep="last")
    clear = None if source.startswith("wecom_") else keep  # whole-day replacement for extracts
    loaded, corrected = _write_by_day(engine, run_id, path, validated.rejects, rows[["staff_id", "day", *keep]], clear)
    days = set(rows["day"])
    superseded = len(validated.rows) - len(rows)
    # A rolled-up day the file corrects is not rebuilt (nor touched at all if nothing changed).
    return Outcome(parsed.rows_in, loaded, len(validated.rejects), superseded, days, days - set(corrected),
                   frozenset({BEHAVIOUR}), {day: fix for day, fix in corrected.items() if fix.staff})


Parse = Callable[[], Parsed]  # a file's parse, done ahead (etl.parse_ahead) or when called


def _parsed(source: str, path: Path, parse: Parse | None) -> Parsed:
    return parse() if parse is not None else PARSERS[source](path)


def _write_by_day(
    engine: Engine, run_id: int, path: Path, rejects: list[dict], rows: pd.DataFrame, clear: list[str] | None
) -> tuple[int, dict[date, corrections.Correction]]:
    """Upsert `rows` one day per transaction (first clearing the `clear` columns of the day);
    return the rows loaded and the corrections made to days already rolled up (only without
    `clear`: a whole day's columns replaced rebuild the day whole)."""
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), rejects)
        rolled_up = read.rolled_up_days(connection, set(rows["day"])) if clear is None else set()
    loaded, corrected = 0, {}
    columns = [c for c in rows.columns if c not in ("staff_id", "day")]
    for day, day_rows in rows.groupby("day", sort=True):
        with engine.begin() as connection:
            if clear:
                write.clear_columns(connection, fact_staff_day, day=day, columns=clear)
            if day in rolled_up and (found := corrections.capture(connection, day, day_rows, columns)) is not None:
                corrected[day] = found
            loaded += write.upsert_rows(connection, fact_staff_day, day_rows.assign(load_id=run_id), keys=["day", "staff_id"])
    return loaded, corrected


def write_conversions(engine: Engine, run_id: int, path: Path, history: Histories, *,
                      parse: Parse | None = None) -> Outcome:
    parsed = _parsed("conversions", path, parse)
    validated = Validated(parsed.rows, parsed.rejects)
    conform.known_staff_on_day(validated, history.staff, day_column="day")
    keys = ["day", "staff_id", "department", "kind", "segment", "product"]
    duplicated = validated.rows.duplicated(keys, keep=False)
    from etl.validate import reject_where  # local: only conversions need the duplicate rule

    reject_where(validated, duplicated, column="product",
                 reasons=pd.Series("duplicate of another row with the same key", index=validated.rows.index))
    rows = validated.rows
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), validated.rejects)
    loaded = 0
    for day, day_rows in rows.groupby("day", sort=True):
        with engine.begin() as connection:
            write.delete_days(connection, fact_conversion, [day])
            loaded += write.insert_rows(connection, fact_conversion, day_rows.assign(load_id=run_id))
    days = set(rows["day"])
    return Outcome(parsed.rows_in, loaded, len(validated.rejects), 0, days, days, frozenset({CONVERSION}))


def write_contacts(engine: Engine, run_id: int, path: Path, history: Histories, *,
                   parse: Parse | None = None) -> Outcome:
    parsed = _parsed("contacts", path, parse)
    validated = Validated(parsed.rows, parsed.rejects)
    conform.known_staff_on_day(validated, history.staff, day_column="added_on")
    # One row per add (CONTACT_KEY); the last line of a repeated add wins. In key order, so the
    # upsert walks the clustered table forwards.
    rows = validated.rows.sort_values("line").drop_duplicates(CONTACT_KEY, keep="last").sort_values(CONTACT_KEY)
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), validated.rejects)
        # Only what differs from the stored relations changes rollups: live snapshots from
        # `since` on, first-chat flows on their own days.
        since, chat_days = write.upsert_contacts(connection, rows.assign(load_id=run_id)) if len(rows) else (None, set())
        loaded = len(rows)
        floor = min((d for d in [since, *chat_days] if d is not None), default=None)
        days = read.fact_days(connection, since=floor) if floor is not None else []
    touched = {d for d in days if (since is not None and d >= since) or d in chat_days}
    events = pd.concat([rows["added_on"], rows["removed_on"], rows["first_chat_on"]]).dropna()
    superseded = len(validated.rows) - len(rows)
    return Outcome(parsed.rows_in, loaded, len(validated.rejects), superseded, set(events), touched,
                   frozenset({CUSTOMER}))


def write_targets(engine: Engine, run_id: int, path: Path, history: Histories) -> Outcome:
    """Targets land as drafts (new or changed cells) with an audit row naming the file."""
    known = set(history.org["code"]) | set(history.staff["staff_id"])
    parsed = parse_targets(path, known_units=known)
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), parsed.rejects)
    cells = parsed.rows.drop(columns="line")
    counts = import_targets(engine, cells=cells, by=f"etl:{path.name}", reason=f"delivered in {path.name}")
    loaded = counts["inserted"] + counts["updated"] + counts["unchanged"]
    return Outcome(parsed.rows_in, loaded, len(parsed.rejects))


def write_directory(engine: Engine, run_id: int, path: Path, history: Histories) -> Outcome:
    """Check a WeCom directory pull against the org and roster; record what disagrees."""
    day = day_of_name(path)
    if day is None:
        raise SourceError(path, "the file name carries no day (wecom_directory_YYYYMMDD.jsonl)")
    parsed = parse_directory(path, day=day, org=history.org, roster=history.staff)
    with engine.begin() as connection:
        write.add_rejects(connection, run_id, str(path), parsed.rejects)
    return Outcome(parsed.rows_in, len(parsed.rows), len(parsed.rejects))


Writer = Callable[..., Outcome]  # (engine, run_id, path, history, *, parse=None for the fact sources)
WRITERS: dict[str, Writer] = {
    "org_units": lambda e, r, p, h: write_dimension(e, r, p, h, source="org_units", table=org_unit),
    "staff_roster": lambda e, r, p, h: write_dimension(e, r, p, h, source="staff_roster", table=staff),
    "targets": write_targets,
    "wecom_directory": write_directory,
    "contacts": write_contacts,
    "conversions": write_conversions,
    "tasks": partial(write_staff_day, source="tasks"),
    "interceptions": partial(write_staff_day, source="interceptions"),
    "wecom_behavior": partial(write_staff_day, source="wecom_behavior"),
    "wecom_groupchat": partial(write_staff_day, source="wecom_groupchat"),
}
