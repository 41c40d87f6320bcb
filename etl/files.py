"""Reading source files: routing by name, encoding detection, tables with line numbers.

Banks deliver UTF-8, UTF-8 with a BOM, or GB18030. We detect which, and refuse anything else
with a message naming the file: guessing silently produces mojibake that nobody notices
until a branch name is wrong on the executive's screen.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from python_calamine import CalamineWorkbook
from charset_normalizer import from_bytes

BOM = b"\xef\xbb\xbf"
GB_FAMILY = {"gb18030", "gbk", "gb2312", "hz", "big5"}
# Outside ASCII, what Chinese extracts hold: hanzi, CJK and fullwidth punctuation, a few others.
NOT_CHINESE = re.compile(
    r"[^\x00-\x7f\u3000-\u303f\u4e00-\u9fff\uff00-\uffef\u00b7\u2014\u2018\u2019\u201c\u201d\u2026]"
)


class SourceError(Exception):
    """A whole file cannot be loaded. The message names the file and the cause."""

    def __init__(self, path: Path | str, cause: str) -> None:
        super().__init__(f"{Path(path).name}: {cause}")
        self.path = Path(path)
        self.cause = cause

    def __reduce__(self) -> tuple:  # raised in the parse worker, re-raised in the loader
        return (SourceError, (self.path, self.cause))


@dataclass(frozen=True)
class Route:
    source: str
    pattern: re.Pattern[str]


ROUTES = [
    Route("org_units", re.compile(r"^org_units_(\d{8})\.(csv|xlsx)$")),
    Route("staff_roster", re.compile(r"^staff_roster_(\d{8})\.(csv|xlsx)$")),
    Route("contacts", re.compile(r"^contacts_(\d{8})\.(csv|xlsx)$")),
    Route("conversions", re.compile(r"^conversions_(\d{8})\.(csv|xlsx)$")),
    Route("tasks", re.compile(r"^tasks_(\d{6}|\d{8})\.(csv|xlsx)$")),
    Route("interceptions", re.compile(r"^interceptions_(\d{8})\.(csv|xlsx)$")),
    Route("targets", re.compile(r"^targets_([0-9A-Za-z-]+)\.(csv|xlsx)$")),
    Route("wecom_behavior", re.compile(r"^wecom_behavior_(\d{8})\.jsonl$")),
    Route("wecom_groupchat", re.compile(r"^wecom_groupchat_(\d{8})\.jsonl$")),
    Route("wecom_directory", re.compile(r"^wecom_directory_(\d{8})\.jsonl$")),
]

# Load order: dimensions before the facts conformed against them.
SOURCE_ORDER = [route.source for route in ROUTES]


def route(path: Path) -> str | None:
    """The source a file belongs to, by its name; None for files we do not load."""
    for candidate in ROUTES:
        if candidate.pattern.match(path.name):
            return candidate.source
    return None


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(path: Path, raw: bytes) -> str:
    """Decode UTF-8 (with or without BOM) or GB18030; refuse anything else."""
    if raw.startswith(BOM):
        try:
            return raw[len(BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SourceError(path, f"cannot decode: has a UTF-8 BOM but invalid UTF-8 at byte {exc.start}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text: str | None = raw.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    # Strict GB18030 also decodes much Latin-1 text ('é' + a letter is a valid pair), so the
    # text must look Chinese: all common hanzi and punctuation, or a GB guess by the detector.
    # The detector alone misjudges short files (a 4-line roster reads as Korean cp949).
    if text is not None and _plainly_chinese(text):
        return text
    best = from_bytes(raw).best()
    guess = best.encoding if best is not None else "unknown"
    if text is not None and (guess.replace("_", "").lower() in GB_FAMILY or guess.startswith("gb")):
        return text
    raise SourceError(path, f"cannot decode: neither UTF-8 nor GB18030 (best guess: {guess})")


def _plainly_chinese(text: str) -> bool:
    """Every non-ASCII character is a common (GB2312) hanzi or Chinese punctuation."""
    try:
        text.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return not NOT_CHINESE.search(text)


def read_table(path: Path, *, columns: list[str]) -> pd.DataFrame:
    """A CSV or .xlsx extract as strings, with the file's `line` number of every row.

    Extra columns are ignored; a missing or repeated one fails the whole file, and so does a
    CSV row whose field count differs from the header's (a stray comma shifts every value
    after it: no row of such a file can be trusted to be read right). Blank lines are skipped.
    """
    if path.suffix.lower() == ".xlsx":
        header, lines, rows = _read_xlsx(path)
        return _frame(path, header, lines, rows, columns)
    text = decode(path, path.read_bytes())
    plain = _read_plain_csv(path, text, columns)
    if plain is not None:
        return plain
    return _frame(path, *_read_csv(path, text), columns)


def _check_header(path: Path, header: list[str], columns: list[str]) -> list[str]:
    header = [str(name).strip() for name in header]
    repeated = [name for name in columns if header.count(name) > 1]
    if repeated:
        raise SourceError(path, f"column(s) repeated in the header: {', '.join(repeated)}")
    missing = [name for name in columns if name not in header]
    if missing:
        raise SourceError(path, f"missing column(s): {', '.join(missing)}")
    return header


def _frame(path: Path, header: list[str], lines: list[int], rows: list[list[str]], columns: list[str]) -> pd.DataFrame:
    header = _check_header(path, header, columns)
    frame = pd.DataFrame(rows, columns=header, dtype=object)[columns]
    for name in columns:
        frame[name] = frame[name].astype(str).str.strip()
    return _numbered(frame, lines, columns)


def _numbered(frame: pd.DataFrame, lines: object, columns: list[str]) -> pd.DataFrame:
    frame.insert(0, "line", lines)
    blank = (frame[columns] == "").all(axis=1)
    return frame[~blank].reset_index(drop=True)


# A file without quotes, carriage returns or NULs, and no field near the csv module's size
# limit, is its lines split on commas: such a file (every extract the banks send) is read by
# Arrow's CSV reader, 10x faster than csv.reader and with no Python object per field.
CSV_FIELD_LIMIT = csv.field_size_limit()


@dataclass(frozen=True)
class _Lines:
    """Where each physical line of a UTF-8 buffer starts and ends, and its comma count."""

    start: np.ndarray
    end: np.ndarray
    commas: np.ndarray

    @classmethod
    def of(cls, data: bytes) -> _Lines:
        # In UTF-8 a byte below 0x80 is always that ASCII character: ',' and '\n' are found
        # by value, never inside a multi-byte character.
        array = np.frombuffer(data, dtype=np.uint8)
        newlines = np.flatnonzero(array == 0x0A)
        start = np.concatenate([[0], newlines + 1])
        end = np.concatenate([newlines, [len(data)]])
        commas = np.flatnonzero(array == 0x2C)
        return cls(start, end, np.searchsorted(commas, end) - np.searchsorted(commas, start))


def _read_plain_csv(path: Path, text: str, columns: list[str]) -> pd.DataFrame | None:
    """The frame of a plain CSV (see CSV_FIELD_LIMIT), None for any other file. Checks field
    counts as `_read_csv` does: the same line fails, with the same message."""
    data = text.encode("utf-8")
    if not data or data.startswith(b"\n") or b'"' in data or b"\r" in data or b"\x00" in data:
        return None
    lines = _Lines.of(data)
    if (lines.end - lines.start).max() >= CSV_FIELD_LIMIT:
        return None
    header = text[: text.find("\n")].split(",") if "\n" in text else text.split(",")
    width = len(header)
    _check_field_counts(path, data, lines, width)
    kept = (lines.commas == width - 1) & (lines.end > lines.start)
    kept[0] = False
    body = _kept_records(data, lines, kept)
    if body is None or not kept.any():  # nothing to read fast: the csv module's empty frame
        return None
    header = _check_header(path, header, columns)
    table = _arrow_table(body, width)
    if table is None or table.num_rows != int(kept.sum()):
        return None  # Arrow read it otherwise than csv would: let csv decide
    frame = pd.DataFrame(
        {name: pd.Series(table.column(header.index(name)), dtype="str").str.strip() for name in columns},
        columns=columns,
    )
    return _numbered(frame, np.flatnonzero(kept) + 1, columns)


def _check_field_counts(path: Path, data: bytes, lines: _Lines, width: int) -> None:
    """Fail on the first line csv.reader fails on: a width other than the header's, unless
    the line is blank (one field of whitespace, which csv skips)."""
    wrong = np.flatnonzero(lines.commas[1:] != width - 1) + 1
    for index in wrong.tolist():
        if lines.commas[index] == 0 and not data[lines.start[index] : lines.end[index]].decode("utf-8").strip():
            continue
        count = int(lines.commas[index]) + 1
        raise SourceError(path, f"line {index + 1} has {count} fields, the header has {width}")


def _kept_records(data: bytes, lines: _Lines, kept: np.ndarray) -> bytes | None:
    """The records after the header; empty lines are left in (Arrow skips them too)."""
    dropped = ~kept[1:] & (lines.end[1:] > lines.start[1:])  # blank but not empty
    if dropped.any():
        return None  # rare: the csv module reads those files
    return data[lines.start[1] :] if len(lines.start) > 1 else b""


def _arrow_table(body: bytes, width: int) -> pa.Table | None:
    names = [str(index) for index in range(width)]
    try:
        return pa_csv.read_csv(
            io.BytesIO(body),
            read_options=pa_csv.ReadOptions(column_names=names),
            parse_options=pa_csv.ParseOptions(quote_char=False, newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pa_csv.ConvertOptions(
                column_types={name: pa.string() for name in names},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid:
        return None


def _read_csv(path: Path, text: str) -> tuple[list[str], list[int], list[list[str]]]:
    """Header, rows, and the physical line each row starts on (blank lines are skipped)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise SourceError(path, "is empty: not even a header line")
        width, lines, rows, start = len(header), [], [], reader.line_num + 1
        for record in reader:
            if len(record) == width:
                lines.append(start)
                rows.append(record)
            elif record and (len(record) > 1 or record[0].strip()):
                raise SourceError(path, f"line {start} has {len(record)} fields, the header has {width}")
            start = reader.line_num + 1
    except csv.Error as exc:
        raise SourceError(path, f"not a readable CSV (line {reader.line_num}: {exc})")
    return header, lines, rows


def _read_xlsx(path: Path) -> tuple[list[str], list[int], list[list[str]]]:
    try:
        # calamine (Rust) reads the cells; ~8× faster than openpyxl (a large bank's monthly tasks
        # workbook of 466K rows took 125 s with openpyxl). Read directly, not through
        # pd.read_excel, whose per-cell conversion in Python doubled the time (10.7 → 4.8 s).
        cells = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # the reader raises many types for a broken workbook
        raise SourceError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})")
    values = [[cell if cell.__class__ is str else cell_text(cell) for cell in row] for row in cells]
    if not values:
        raise SourceError(path, "is empty: its first sheet has no header row")
    # Row 1 is the header: data starts on row 2, blank rows included in the count.
    return values[0], list(range(2, len(values) + 1)), values[1:]


def cell_text(cell: object) -> str:
    """A non-text Excel cell as the text pandas' reader (read_excel, dtype=str) gives it: whole
    floats without '.0', dates as midnight datetimes; tests/etl check the two agree."""
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if isinstance(cell, date) and not isinstance(cell, datetime):
        return str(datetime(cell.year, cell.month, cell.day))
    return str(cell)


def day_of_name(path: Path) -> date | None:
    """The delivery day in a file name like conversions_20260903.csv, if any."""
    match = re.search(r"_(\d{8})\.", path.name)
    if not match:
        return None
    return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
