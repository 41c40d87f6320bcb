"""Fast paths of `parse_exchanges` for well-formed exchanges.

A behaviour log holds one exchange per staff member per day (50,000 lines a day on a large
bank; 400,000 on a national one). The per-line parser (json.loads, camelCase normalisation, two
pydantic validations per line) costs 150 µs a line, far over the load budget. Two faster tiers
take the lines they can prove well-formed and hand every other line to the per-line parser,
so rejects and their messages stay those of the per-line parser:

1. `match_behavior`: a regular expression of the compact serialisation of the declared models
   (fields in their declared order, snake_case or the camelCase of Java layers), built from
   the pydantic models' fields, then the models' bounds checked on whole columns.
2. `etl.sources.wecom_strict.strict_rows`: strict twins of the models (no coercion, no unknown keys, so no camelCase key
   that the per-line parser would rename onto a declared one) validated straight from the JSON
   text by pydantic-core. Group statistics lines (1,000 items each) take this tier.

A line either tier accepts yields exactly the rows the per-line parser would yield for it; a
line they refuse, or whose rows would need a reject (two userids, not 00:00), is re-parsed by
the per-line parser. tests/etl/test_wecom_fast.py checks the tiers agree.
"""

from __future__ import annotations

import gc
import re
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import annotated_types
import numpy as np
import pandas as pd
from pydantic.alias_generators import to_camel
from pydantic.fields import FieldInfo

from etl.sources.wecom_models import BEHAVIOR_API, BEHAVIOR_FIELDS, BehaviorDay

INT = r"(?:0|[1-9][0-9]{0,17})"  # non-negative, fits 64 bits: larger or signed go per line
NUMBER = INT + r"(?:\.[0-9]+)?"  # no exponent: float() of it is what json.loads returns
STRING = r'"[^"\\\x00-\x1f]*"'  # no escape: its text is its value
USERID = r'"(?P<userid>[^"\\\x00-\x1f]*)"'
EPOCH = date(1970, 1, 1)
LAST_STAT_TIME = 4102444800  # 2100-01-01: later instants go per line, whatever they mean there


@dataclass
class Rows:
    """Rows by column (the frame is built once), with the line of each row."""

    columns: list[str]
    data: dict[str, list] = field(init=False)

    def __post_init__(self) -> None:
        self.data = {name: [] for name in self.columns}

    def add(self, line: int, row: dict) -> None:
        self.data["line"].append(line)
        for name in self.columns[1:]:
            self.data[name].append(row.get(name))

    def extend(self, line: int, columns: dict[str, list]) -> None:
        """Rows given by column, all from one line."""
        count = len(columns["staff_id"])
        self.data["line"] += [line] * count
        for name in self.columns[1:]:
            self.data[name] += columns.get(name, [None] * count)

    def __len__(self) -> int:
        return len(self.data["line"])


# --- tier 1: the compact serialisation of a behaviour exchange, matched by a regex ----------


def _kind(info: FieldInfo) -> tuple[type, bool, float | None, float | None]:
    """(int or float, may be null, lower bound, upper bound) of a field, whatever its spelling
    (NonNegativeInt, Field(ge=0, le=100), NonNegativeFloat | None)."""
    nullable, base, bounds = False, info.annotation, list(info.metadata)
    for arg in typing.get_args(base) or (base,):
        if arg is type(None):
            nullable = True
        elif typing.get_origin(arg) is typing.Annotated:
            base, *extra = typing.get_args(arg)
            bounds += extra
        else:
            base = arg
    low = max((b.ge for b in bounds if isinstance(b, annotated_types.Ge)), default=None)
    high = min((b.le for b in bounds if isinstance(b, annotated_types.Le)), default=None)
    return base, nullable, low, high


DAY_FIELDS = {name: _kind(info) for name, info in BehaviorDay.model_fields.items()}
assert set(DAY_FIELDS) == {"stat_time", *BEHAVIOR_FIELDS}, "the regex tier knows these fields only"


def _member(key: str, name: str, info: FieldInfo) -> str:
    base, nullable, _, _ = DAY_FIELDS[name]
    value = INT if base is int else NUMBER
    value = f"(?P<{name}>{value}|null)" if nullable else f"(?P<{name}>{value})"
    return f'"{key}":{value}' if info.is_required() else f'(?:,"{key}":{value})?'


def _behavior_pattern(key: typing.Callable[[str], str], list_key: str) -> re.Pattern[str]:
    """A line `\\nexchange\\tN` (N its number) with one userid and one day, response keys
    spelled by `key`. Compact JSON only, as WeCom and Java layers write it: spaced JSON takes
    tier 2. The leading newline anchors the match at a line's start and, being a literal
    prefix, lets the regex engine skip to the next candidate line."""
    members = [_member(key(name), name, info) for name, info in BehaviorDay.model_fields.items()]
    item = members[0] + "".join(m if m.startswith("(?:,") else "," + m for m in members[1:])
    request = f'"userid":\\[{USERID}\\],"start_time":{INT},"end_time":{INT}'
    response = f'"errcode":0,"errmsg":{STRING},"{list_key}":\\[\\{{{item}\\}}\\]'
    return re.compile(
        f'\\n\\{{"api":"{BEHAVIOR_API}","request":\\{{{request}\\}},"response":\\{{{response}\\}}\\}}'
        f'\\t(?P<line>[0-9]+)(?=\\n)'
    )


# snake_case as WeCom sends it, or the response in camelCase as Java layers re-serialise it
# (the request stays as sent). Each spells only keys the per-line parser renames onto the
# declared fields, one spelling per field: a body mixing spellings matches neither.
BEHAVIOR_PATTERNS = [
    _behavior_pattern(lambda name: name, "behavior_data"),
    _behavior_pattern(to_camel, "behaviorList"),
]
GROUP_NAMES = sorted(BEHAVIOR_PATTERNS[0].groupindex, key=BEHAVIOR_PATTERNS[0].groupindex.get)


@dataclass
class Matched:
    """Tier 1's rows as arrays (a missing reply figure NaN), and the non-blank lines it left."""

    values: dict[str, np.ndarray]
    others: list[tuple[int, str]]

    def __len__(self) -> int:
        return len(self.values["line"])

    def frame(self, columns: list[str]) -> pd.DataFrame:
        """The frame the per-line parser builds from the same rows (same values and dtypes)."""
        data = {"line": self.values["line"], "staff_id": self.values["userid"], "day": self._dates()}
        for name in BEHAVIOR_FIELDS:
            column = self.values[name]
            if column.dtype.kind == "f" and np.isnan(column).all():  # all None: an object column
                column = np.full(len(column), None, dtype=object)
            data[name] = column
        return pd.DataFrame(data, columns=columns)

    def add_to(self, rows: Rows) -> None:
        """As Python objects, as the per-line parser's rows are: a null reply figure is None."""
        rows.data["line"] += self.values["line"].tolist()
        rows.data["staff_id"] += self.values["userid"].tolist()
        rows.data["day"] += self._dates().tolist()
        for name in BEHAVIOR_FIELDS:
            column = self.values[name].tolist()
            if self.values[name].dtype.kind == "f":
                column = [None if value != value else value for value in column]
            rows.data[name] += column

    def _dates(self) -> np.ndarray:
        days = (self.values["stat_time"] + 8 * 3600) // 86400
        unique, codes = np.unique(days, return_inverse=True)
        dates = np.array([EPOCH + timedelta(days=number) for number in unique.tolist()], dtype=object)
        return dates[codes] if len(days) else np.array([], dtype=object)


@contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Tier 1 makes half a million tuples and strings and no reference cycle: the cyclic
    collector would walk the heap dozens of times for nothing (a sixth of the parse)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def match_behavior(lines: list[str]) -> Matched:
    """The rows of the lines tier 1 accepts and, numbered from 1, the other non-blank lines."""
    with _cycle_collector_paused():
        return _match(lines)


def _match(lines: list[str]) -> Matched:
    found = _find(lines)
    groups = dict(zip(GROUP_NAMES, zip(*found), strict=True)) if found else {n: () for n in GROUP_NAMES}
    values = {name: _column(groups[name], name) for name in (*DAY_FIELDS, "line")}
    values["userid"] = np.array(groups["userid"], dtype=object)
    order = np.argsort(values["line"], kind="stable")  # the camel lines were found second
    ok = _within_bounds(values) & _is_china_midnight(values["stat_time"])
    values = {name: column[order[ok[order]]] for name, column in values.items()}
    no_chats = values["chat_cnt"] == 0  # reply figures are undefined without chats, never 0
    for name in ("reply_percentage", "avg_reply_time"):
        values[name][no_chats] = np.nan
    if len(values["line"]) == len(lines):
        return Matched(values, [])
    taken = set(values["line"].tolist())
    others = [(n, line) for n, line in enumerate(lines, start=1) if n not in taken and line and not line.isspace()]
    return Matched(values, others)


def _find(lines: list[str]) -> list[tuple[str, ...]]:
    """The groups of every line a pattern matches. One findall over the numbered lines, not a
    match per line: the calls cost more than the matching. No pattern admits a newline, so a
    match never spans lines; a blank line matches none."""
    found: list[tuple[str, ...]] = []
    rest = list(enumerate(lines, start=1))
    for pattern in BEHAVIOR_PATTERNS:  # the camel pattern tries the lines the snake one left
        matches = pattern.findall("\n" + "\n".join([f"{line}\t{number}" for number, line in rest]) + "\n")
        found += matches
        if len(matches) == len(rest):
            break
        taken = {int(groups[-1]) for groups in matches}
        rest = [pair for pair in rest if pair[0] not in taken]
    return found


def _column(tokens: tuple[str, ...], name: str) -> np.ndarray:
    if name == "line" or DAY_FIELDS[name][0] is int:
        return np.fromiter(map(int, tokens), dtype=np.int64, count=len(tokens))
    # findall gives "" for an absent optional member
    return np.fromiter((np.nan if t in ("", "null") else float(t) for t in tokens), dtype=float, count=len(tokens))


def _within_bounds(values: dict[str, np.ndarray]) -> np.ndarray:
    """The models' bounds (NaN, a null, passes: the model allows it on nullable fields)."""
    ok = np.ones(len(values["stat_time"]), dtype=bool)
    for name, (_, _, low, high) in DAY_FIELDS.items():
        if low is not None:
            ok &= ~(values[name] < low)
        if high is not None:
            ok &= ~(values[name] > high)
    return ok


def _is_china_midnight(stat_time: np.ndarray) -> np.ndarray:
    return (stat_time <= LAST_STAT_TIME) & ((stat_time + 8 * 3600) % 86400 == 0)
