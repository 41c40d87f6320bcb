"""The fast CSV path (Arrow's reader for plain files) agrees with the csv module's path.

`by_csv` is read_table as it was: csv.reader, then the frame. On any text both must give the
same frame, or fail whole with the same message. Validation is checked the same way against
a per-row restatement of the rules on odd values.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import files
from etl.files import SourceError, read_table
from etl.sources.extracts import SPECS
from etl.validate import Field, validate

COLUMNS = ["day", "staff_id", "intercepted_msgs"]


def by_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    return files._frame(path, *files._read_csv(path, files.decode(path, path.read_bytes())), columns)


def outcome(read: object, path: Path, columns: list[str]) -> pd.DataFrame | str:
    try:
        return read(path, columns=columns) if read is read_table else read(path, columns)
    except SourceError as failure:
        return str(failure)


def assert_same(path: Path, columns: list[str]) -> pd.DataFrame | str:
    fast, slow = outcome(read_table, path, columns), outcome(by_csv, path, columns)
    if isinstance(slow, str) or isinstance(fast, str):
        assert fast == slow
    else:
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)
    return fast


cells = st.sampled_from(["2026-09-03", "GD01001001", "3", "", " ", " 7 ", "x y", "李明", "-1", "1.5", "\t", '"q"', "a;b"])
lines = st.one_of(
    st.lists(cells, min_size=3, max_size=3).map(",".join),
    st.lists(cells, min_size=1, max_size=5).map(",".join),
    st.sampled_from(["", " ", "\t", ",,", "\r", "a\rb,c,d"]),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(header=st.sampled_from(["day,staff_id,intercepted_msgs", "staff_id,day,extra,intercepted_msgs",
                               "day,staff_id", "day,day,staff_id,intercepted_msgs", " day , staff_id,intercepted_msgs"]),
       body=st.lists(lines, max_size=8), end=st.sampled_from(["", "\n", "\n\n"]))
def test_plain_csv_reads_as_the_csv_module_does(tmp_path: Path, header: str, body: list[str], end: str) -> None:
    path = tmp_path / "interceptions_20260903.csv"
    path.write_bytes(("\n".join([header, *body]) + end).encode("utf-8"))
    assert_same(path, COLUMNS)


def test_a_stray_comma_fails_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "interceptions_20260903.csv"
    path.write_text("day,staff_id,intercepted_msgs\n2026-09-03,A,1\n\n  \n2026-09-03,B,2,9\n", encoding="utf-8")
    assert assert_same(path, COLUMNS) == "interceptions_20260903.csv: line 5 has 4 fields, the header has 3"


def test_header_only_and_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "interceptions_20260903.csv"
    path.write_text("day,staff_id,intercepted_msgs\n", encoding="utf-8")
    assert len(assert_same(path, COLUMNS)) == 0
    path.write_bytes("day,staff_id,intercepted_msgs\n2026-09-03,天河,1\n".encode("gb18030"))
    assert assert_same(path, COLUMNS)["staff_id"].tolist() == ["天河"]


def per_row_reason(value: str, spec: Field) -> str | None:
    """The rules of etl.validate for one value, written row by row."""
    import datetime as dt
    import math

    if value == "":
        return f"{spec.name} is empty" if spec.required else None
    if spec.kind == "date":
        try:
            dt.date.fromisoformat(value[:10])
            ok = len(value) == 10 or value[10:] == " 00:00:00"
        except ValueError:
            ok = False
        return None if ok and value[:4].isdigit() else f"{spec.name} '{value}' is not a date (YYYY-MM-DD)"
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or (spec.kind == "int" and number != math.floor(number)):
        return f"{spec.name} '{value}' is not {'a whole number' if spec.kind == 'int' else 'a number'}"
    if number < spec.minimum:
        return f"{spec.name} {value} is below {spec.minimum:g}"
    if number > 2**31 - 1:
        return f"{spec.name} {value} is above {2**31 - 1}"
    return None


numbers = st.sampled_from(["0", "12", "-1", "1.5", "1e3", "inf", "nan", "abc", "", "3.0", "2147483648", "0x1"])
dates = st.sampled_from(["2026-09-03", "2026-02-30", "2026-9-3", "2026-09-03 00:00:00", "2026-09-03T00", "", "x"])


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(dates, numbers), min_size=1, max_size=20))
def test_validation_reasons_match_the_per_row_rules(rows: list[tuple[str, str]]) -> None:
    spec = {field.name: field for field in SPECS["interceptions"]}
    frame = pd.DataFrame({"line": range(2, len(rows) + 2), "day": [d for d, _ in rows],
                          "staff_id": "A", "intercepted_msgs": [n for _, n in rows]})
    frame = frame.astype({"day": "str", "staff_id": "str", "intercepted_msgs": "str"})
    got = validate(frame, SPECS["interceptions"])
    expected = {}
    for line, (day, count) in enumerate(rows, start=2):
        for name, value in (("day", day), ("intercepted_msgs", count)):
            why = per_row_reason(value, spec[name])
            if why:
                expected[line] = (name, why)
                break
    assert {r["line"]: (r["column"], r["reason"]) for r in got.rejects} == expected
    assert got.rows["line"].tolist() == [line for line in range(2, len(rows) + 2) if line not in expected]

