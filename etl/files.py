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
from datetime import date
from pathlib import Path

import pandas as pd
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
    else:
        header, lines, rows = _read_csv(path, decode(path, path.read_bytes()))
    header = [str(name).strip() for name in header]
    repeated = [name for name in columns if header.count(name) > 1]
    if repeated:
        raise SourceError(path, f"column(s) repeated in the header: {', '.join(repeated)}")
    missing = [name for name in columns if name not in header]
    if missing:
        raise SourceError(path, f"missing column(s): {', '.join(missing)}")
    frame = pd.DataFrame(rows, columns=header, dtype=object)[columns]
    for name in columns:
        frame[name] = frame[name].astype(str).str.strip()
    frame.insert(0, "line", lines)
    blank = (frame[columns] == "").all(axis=1)
    return frame[~blank].reset_index(drop=True)


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
        sheet = pd.read_excel(path, dtype=str, header=None, keep_default_na=False, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        raise SourceError(path, f"not a readable Excel workbook ({type(exc).__name__}: {exc})")
    if sheet.empty:
        raise SourceError(path, "is empty: its first sheet has no header row")
    # Row 1 is the header: data starts on row 2, blank rows included in the count.
    values = sheet.to_numpy().tolist()
    return values[0], list(range(2, len(values) + 1)), values[1:]


def day_of_name(path: Path) -> date | None:
    """The delivery day in a file name like conversions_20260903.csv, if any."""
    match = re.search(r"_(\d{8})\.", path.name)
    if not match:
        return None
    return date(int(match[1][:4]), int(match[1][4:6]), int(match[1][6:]))
