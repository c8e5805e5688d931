"""The spreadsheet of an agency's performance tree, its targets and realisations, as
agencies already keep it beside their Renja, Perjanjian Kinerja and IKU (issue 5): its
columns, the words its cells may use and how a header names a column. Reading an
uploaded file: wbs/sakip/sheet_reading.py (the file into cells), then
wbs/sakip/sheet_parsing.py (the cells into checked rows); writing the same layout:
wbs/sakip/sheet_writing.py. No Flask, no SQLAlchemy: the database side is
wbs/sakip/data/transfer.py.

The layout, one row per indicator (the header row may sit below a few title lines; the
first row whose cell reads "Kode" is the header; the column order is free):

- Kode: the node's code (1.02.02, 1.02.02.2.01, S.1 ...). Rows of one node follow each
  other; on the rows after the first the Kode, Tingkat and Uraian may be left empty
  (merged cells read that way).
- Kode Induk (optional): the parent node's code, empty for a node at the top. Without
  this column the rows give the tree as an outline: a node hangs below the nearest row
  above it with a higher level, and a node with nothing above it keeps its place.
- Tingkat: tujuan, sasaran, program, kegiatan or sub kegiatan (DOMAIN.md cascade).
- Uraian: the node's name. Indikator: the indicator's name (empty on a row for a node
  without indicators). Satuan: its unit. Polaritas: naik, turun or rentang (higher,
  lower, range).
- Target, Target Atas: the year's target; Target Atas is the upper bound of a range
  (rentang). Target TW I .. Target TW IV and Target Atas TW I .. IV: quarterly targets.
- Realisasi TW I .. Realisasi TW IV, Realisasi Tahunan: the realisations.
- Columns named "Capaian ..." (the export adds one) and any column this list does not
  name are ignored; an unknown column that starts with "Target" or "Realisasi" is an
  error, as it is most likely a misspelt period.

A value column that is in the file sets the stored value (an empty cell is "missing",
never zero, DOMAIN.md); a column left out of the file leaves the stored values alone.

Numbers: real numbers in XLSX cells (a cell formatted as a percentage counts in
percent: 95 % is 95), or text read by wbs.sakip.numbers_input ("1.234,5" and "1234.5").
CSV: UTF-8 (a byte-order mark is fine), separated by ";" (Indonesian Excel) or ",".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

QUARTERS = ("Q1", "Q2", "Q3", "Q4")
_ROMAN = {"Q1": "I", "Q2": "II", "Q3": "III", "Q4": "IV"}

# A text that starts like a formula is run by the spreadsheet (CSV injection, OWASP):
# the CSV export writes it behind an apostrophe, which the import takes off again.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# --- the columns -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetColumn:
    """One column of the layout: ``key`` is how the code names it ("target:Q1"),
    ``header`` how the file does."""

    key: str
    header: str
    required: bool = False


def _layout() -> tuple[SheetColumn, ...]:
    columns = [
        SheetColumn("code", "Kode", True),
        SheetColumn("parent", "Kode Induk"),
        SheetColumn("level", "Tingkat", True),
        SheetColumn("name", "Uraian", True),
        SheetColumn("indicator", "Indikator", True),
        SheetColumn("unit", "Satuan", True),
        SheetColumn("polarity", "Polaritas", True),
        SheetColumn("target:Y", "Target"),
        SheetColumn("target_high:Y", "Target Atas"),
    ]
    for quarter in QUARTERS:
        columns.append(SheetColumn(f"target:{quarter}", f"Target TW {_ROMAN[quarter]}"))
        columns.append(SheetColumn(f"target_high:{quarter}", f"Target Atas TW {_ROMAN[quarter]}"))
    columns += [SheetColumn(f"realisation:{q}", f"Realisasi TW {_ROMAN[q]}") for q in QUARTERS]
    columns.append(SheetColumn("realisation:Y", "Realisasi Tahunan"))
    return tuple(columns)


# Every column the import reads, in the order the export and the template write them.
LAYOUT: tuple[SheetColumn, ...] = _layout()
HEADERS: dict[str, str] = {column.key: column.header for column in LAYOUT}
REQUIRED: tuple[str, ...] = tuple(column.key for column in LAYOUT if column.required)
# Written by the export only: the year's capaian (wbs/sakip/achievement.py), ignored on import.
CAPAIAN_HEADER = "Capaian Tahunan (%)"
# The periods a sheet carries, in the order of wbs.models.sakip.PERIODS.
SHEET_PERIODS = ("Y", *QUARTERS)


@dataclass(frozen=True)
class PeriodTarget:
    """A period's target: ``high`` is the upper bound of a range, else None."""

    low: Decimal | None
    high: Decimal | None = None


# --- the words of the cells and the headers --------------------------------------------------


# The words the file may use; the export writes the first of each.
LEVEL_WORDS: dict[str, str] = {
    "tujuan": "tujuan",
    "sasaran": "sasaran",
    "program": "program",
    "kegiatan": "kegiatan",
    "sub kegiatan": "sub_kegiatan",
    "subkegiatan": "sub_kegiatan",
    "goal": "tujuan",
    "objective": "sasaran",
    "programme": "program",
    "activity": "kegiatan",
    "sub activity": "sub_kegiatan",
}
LEVEL_NAMES = {"sub_kegiatan": "sub kegiatan"}
POLARITY_WORDS: dict[str, str] = {
    "naik": "higher",
    "turun": "lower",
    "rentang": "range",
    "higher": "higher",
    "lower": "lower",
    "range": "range",
}
POLARITY_NAMES = {"higher": "naik", "lower": "turun", "range": "rentang"}

_PERIOD_HEADER = re.compile(
    r"(target atas|target|realisasi)"
    r"(?: (?:tw|trw|triwulan) (i|ii|iii|iv|1|2|3|4)| (tahunan|tahun))?"
)
_QUARTER_WORDS = {"i": "Q1", "ii": "Q2", "iii": "Q3", "iv": "Q4", "1": "Q1", "2": "Q2"}
_QUARTER_WORDS |= {"3": "Q3", "4": "Q4"}
_HEADER_KIND = {"target atas": "target_high", "target": "target", "realisasi": "realisation"}
_TEXT_HEADERS = {
    "kode": "code",
    "kode induk": "parent",
    "induk": "parent",
    "tingkat": "level",
    "uraian": "name",
    "indikator": "indicator",
    "indikator kinerja": "indicator",
    "satuan": "unit",
    "polaritas": "polarity",
}
IGNORED, UNKNOWN_VALUE_COLUMN = "ignored", "unknown"


def words(text: str) -> str:
    """``text`` compared as a word list: case, "_", "-", "*", ":" and spacing ignored."""
    return " ".join(re.sub(r"[_\-*:]", " ", text).split()).casefold()


def column_key(header: str) -> str | None:
    """The layout key a header names, ``IGNORED`` (capaian), ``UNKNOWN_VALUE_COLUMN``
    (starts like a value column but names none), or None (another column: ignored)."""
    text = words(header)
    if text in _TEXT_HEADERS:
        return _TEXT_HEADERS[text]
    if text.startswith("capaian"):
        return IGNORED
    match = _PERIOD_HEADER.fullmatch(text)
    if match:
        kind, quarter = _HEADER_KIND[match.group(1)], match.group(2)
        return f"{kind}:{_QUARTER_WORDS[quarter] if quarter else 'Y'}"
    if text.startswith(("target", "realisasi")):
        return UNKNOWN_VALUE_COLUMN
    return None
