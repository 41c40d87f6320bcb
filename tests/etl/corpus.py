"""The bad-input corpus: one small file per case, loaded on top of the tiny bank.

Every case states what the loader must do with its file:
- a bad file (`cause` set) fails whole: result `failed` with ONE message "<file name>: ...cause...",
  its run recorded as failed with that message, nothing of it loaded: the store's content is
  unchanged. etl_reject holds exactly the expected rejects: none, or, for an org or roster
  delivery failed for its bad rows, those rows (kept as the failure's explanation);
- otherwise the file loads (`ok`): etl_reject holds exactly the expected (line, column,
  reason) rejects, the other rows loaded, and the counts add up (nothing silently dropped).
  Then, if nothing was to load, the store is unchanged; if rows were to load, loading only
  the file's good lines again changes nothing: no trace of a bad row reached the tables and
  no good row was left out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from dbstate import table_hashes
from etl.load import FileResult, load_paths
from store.read import frame
from store.schema import etl_reject, etl_run

Expected = tuple[int, str | None, str]  # line, column, a substring of the reason


@dataclass(frozen=True)
class Sheet:
    """An .xlsx body: rows of typed cells (str, int, date...), the header first."""

    rows: tuple[tuple[object, ...], ...]


Body = str | bytes | Sheet


@dataclass(frozen=True)
class Case:
    id: str
    name: str  # the file name, which routes it
    body: Body  # str is written as UTF-8
    cause: str = ""  # set for a bad file: a substring of its message
    rejects: tuple[Expected, ...] = ()
    loaded: int = 0  # rows the file must load
    same: bool = False  # the store must end exactly as before (a re-delivered identical history)
    check: Callable[[sa.Engine], None] | None = None  # extra assertions on loaded values
    xfail: str = ""  # a known loader bug outside the files we may fix: why

    def param(self) -> object:
        marks = [pytest.mark.xfail(strict=True, reason=self.xfail)] if self.xfail else []
        return pytest.param(self, id=self.id, marks=marks)


def csv_text(header: list[str], *rows: dict[str, str]) -> str:
    return "".join(",".join(line) + "\n" for line in [header, *([row[c] for c in header] for row in rows)])


def jsonl(*lines: dict | str) -> str:
    """Exchange lines; a str is written as is (for lines that are not valid exchanges)."""
    return "".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n" for line in lines)


def write_body(path: Path, body: Body) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(body, Sheet):
        book = Workbook()
        for row in body.rows:
            book.active.append(list(row))
        book.save(path)
    elif isinstance(body, str):
        path.write_bytes(body.encode("utf-8"))
    else:
        path.write_bytes(body)
    return path


def without_lines(body: Body, lines: set[int]) -> Body:
    """The body minus the given 1-based lines (rows of a sheet): the file's good part."""
    if isinstance(body, Sheet):
        return Sheet(tuple(row for number, row in enumerate(body.rows, 1) if number not in lines))
    raw = body.encode("utf-8") if isinstance(body, str) else body
    kept = [line for number, line in enumerate(raw.split(b"\n"), 1) if number not in lines]
    return b"\n".join(kept)


def load_one(engine: sa.Engine, path: Path, *, force: bool = False) -> FileResult:
    (result,) = load_paths(engine, [path], force=force).results
    return result


def rejects_of(engine: sa.Engine, path: Path) -> list[tuple[int | None, str | None, str]]:
    j = etl_reject.c
    with engine.connect() as connection:
        rows = frame(connection, sa.select(j.line, j.column, j.reason).where(j.file == str(path)))
    return sorted(rows.itertuples(index=False, name=None), key=lambda r: (r[0] or 0, r[1] or ""))


def runs_of(engine: sa.Engine, path: Path) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        rows = frame(connection, sa.select(etl_run.c.status, etl_run.c.message).where(etl_run.c.file == str(path)))
    return list(rows.itertuples(index=False, name=None))


def assert_rejects(engine: sa.Engine, path: Path, expected: tuple[Expected, ...]) -> None:
    found = rejects_of(engine, path)
    assert [(line, column) for line, column, _ in found] == [(line, column) for line, column, _ in expected], found
    for (_, _, reason), (_, _, part) in zip(found, expected, strict=True):
        assert part in reason, reason


def run_case(engine: sa.Engine, case: Case, folder: Path) -> None:
    # Hashing the store is a third of a case's time: only when the "before" state is compared.
    before = table_hashes(engine) if case.cause or case.same or not case.loaded else None
    path = write_body(folder / "delivery" / case.name, case.body)
    result = load_one(engine, path)
    if case.cause:
        assert result.status == "failed", f"expected a file error, got {result}"
        assert result.message.startswith(f"{case.name}: "), result.message
        assert case.cause in result.message, result.message
        assert runs_of(engine, path) == [("failed", result.message)]
        assert_rejects(engine, path, case.rejects)  # kept for the record when rows caused the failure
        assert table_hashes(engine) == before
        return
    assert result.status == "ok", result.message
    assert_rejects(engine, path, case.rejects)
    assert (result.rows_loaded, result.rows_rejected) == (case.loaded, len(case.rejects))
    assert result.rows_in == result.rows_loaded + result.rows_rejected + result.rows_superseded
    if case.check:
        case.check(engine)
    if case.same or case.loaded == 0:
        assert table_hashes(engine) == before
        return
    after = table_hashes(engine)
    good = write_body(folder / "good" / case.name, without_lines(case.body, {line for line, _, _ in case.rejects}))
    assert load_one(engine, good, force=True).status == "ok"
    assert table_hashes(engine) == after


@dataclass(frozen=True)
class Extract:
    """A bank extract: its file name, a valid row, and what makes a second valid row distinct."""

    name: str
    header: list[str]
    good: dict[str, str]
    other: dict[str, str] = field(default_factory=dict)

    def text(self, *rows: dict[str, str]) -> str:
        return csv_text(self.header, *rows)

    def second(self, **changes: str) -> dict[str, str]:
        return {**self.good, **self.other, **changes}


def bad_row(extract: Extract, id: str, reason: str, *, column: str | None = None, **changes: str) -> Case:
    """A valid row on line 2, then on line 3 a second row with `changes` that must be rejected."""
    (changed, *_) = changes
    body = extract.text(extract.good, extract.second(**changes))
    return Case(id, extract.name, body, rejects=((3, column or changed, reason),), loaded=1)


def bad_version(history: str, name: str, row: dict[str, str], id: str, reason: str, *, column: str | None = None,
                **changes: str) -> Case:
    """A full-history delivery: the tiny bank's plus one version that must be rejected. A full
    history replaces its table, so one bad row in five or six fails the file (the writers' limit
    is 1%) and the current history is kept; the reject stays on record with its line and column."""
    header = history.splitlines()[0].split(",")
    body = history + csv_text(header, {**row, **changes}).split("\n", 1)[1]
    line = len(history.splitlines()) + 1
    (changed, *_) = changes
    return Case(id, name, body, cause=f"1 of {line - 1} rows rejected (first: {reason}",
                rejects=((line, column or changed, reason),))


def cell(engine: sa.Engine, table: sa.Table, column: str, **where: object) -> object:
    """The one value of `column` in the row of `table` matching `where`."""
    with engine.connect() as connection:
        values = connection.execute(
            sa.select(table.c[column]).where(*[table.c[k] == v for k, v in where.items()])
        ).scalars().all()
    assert len(values) == 1, f"{table.name} {where}: {values}"
    return values[0]
