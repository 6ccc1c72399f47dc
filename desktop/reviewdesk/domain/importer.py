"""Reading a review queue from pasted text, CSV or JSON: scan ids, their card facts, and what was wrong.

Every parser returns an `ImportResult`: the good rows as `Scan`s (in first-seen order, duplicates merged
with `merge_facts`), and one `ImportProblem` per bad row or bad fact, by line number, so that one bad
row never stops the rest of an import. A source that cannot be read at all (an unsupported file type,
an unreadable or binary file, invalid JSON, a CSV without a scanId column) raises `ImportFailed`.

Card-fact values are never echoed in problem messages: a PAN pasted into the BIN column must not end
up in a log or on screen.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence, Sized
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import islice, repeat
from operator import itemgetter
from pathlib import Path
from typing import Any, AnyStr, NamedTuple, TypeVar

from reviewdesk.domain.card_compare import expiry_fact
from reviewdesk.domain.scan import Scan, merge_facts
from reviewdesk.domain.scan_id import MAX_SCAN_ID_LENGTH, InvalidScanId, validate_scan_id
from reviewdesk.errors import EXIT_USAGE, Error
from reviewdesk.limits import MAX_FACT_LENGTH
from reviewdesk.limits import MAX_IMPORT_FILE_BYTES as MAX_FILE_BYTES

SUPPORTED_SUFFIXES = (".csv", ".json", ".txt")

PASTED = "pasted text"
T = TypeVar("T")


class ImportFailed(Error, ValueError):  # a ValueError too, as before
    """Nothing could be imported from this source; the message says why, for the reviewer."""

    exit_code = EXIT_USAGE


@dataclass(frozen=True, slots=True)
class ImportProblem:
    line: int  # 1-based line of the source; 0 when the problem concerns the whole source
    message: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    scans: list[Scan]
    problems: list[ImportProblem]
    source: str
    duplicates: int = 0  # rows whose scan id appeared earlier in the same import (merged into it)
    count: int = -1  # scans imported, when `scans` does not hold them (a file imported in parts)

    @property
    def imported(self) -> int:
        """How many scans the import holds (`count`, else `len(scans)`)."""
        return self.count if self.count >= 0 else len(self.scans)

    @property
    def bad_rows(self) -> int:
        """How many lines had a problem (a line can have several: a bad BIN and a bad expiry)."""
        return len({p.line for p in self.problems})

    def summary(self, max_problems: int = 3) -> str:
        """One line for the reviewer: "Imported 118 scans, 2 duplicates merged, 3 bad rows: line 4: …"."""
        n = self.imported
        if n == 0 and not self.problems:
            return f"No scan ids found in {os.path.basename(self.source) or self.source}"
        if n == 0 and all(p.line == 0 for p in self.problems):
            reasons = "; ".join(p.message for p in self.problems)
            return f"Nothing imported from {os.path.basename(self.source) or self.source}: {reasons}"
        text = f"Imported {n} scan{'' if n == 1 else 's'}"
        if self.duplicates:
            text += f", {self.duplicates} duplicate{'' if self.duplicates == 1 else 's'} merged"
        if self.problems:
            bad = self.bad_rows
            text += f", {bad} bad row{'' if bad == 1 else 's'}: "
            shown = [_describe(p) for p in self.problems[:max_problems]]
            if len(self.problems) > max_problems:
                shown.append("…")
            text += "; ".join(shown)
        return text

    def release(self, most: int | None = None) -> bool:
        """Let go of the scans (at most `most` of them, the last ones), a slice at a time: the last
        reference to 500,000 of them dropped at once frees them in one C call that holds the GIL
        for ~170 ms. True when none is left."""
        if most is None:
            _release(self.scans)
        else:
            del self.scans[len(self.scans) - min(most, len(self.scans)) :]
        return not self.scans

    @classmethod
    def failed(cls, source: str, message: str) -> ImportResult:
        """A result for a source that could not be read at all (one problem on line 0)."""
        return cls(scans=[], problems=[ImportProblem(0, message)], source=source)


def _describe(problem: ImportProblem) -> str:
    return f"line {problem.line}: {problem.message}" if problem.line else problem.message


# -- column names and fact values --------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _norm(name: str) -> str:
    """Header/key normalisation: case, spaces, underscores and dashes do not matter ("Scan ID" = scanId)."""
    return re.sub(r"[^0-9a-z]", "", name.strip().lstrip("\ufeff").lower())


ID_ALIASES = frozenset({"scanid"})  # scanId, scan_id, scanid, "Scan ID"
_EXPECTED_SIDES = ("expected", "challenged", "cardchallenged")
_SCANNED_SIDES = ("scanned", "ocr", "ocrresult")
_CARD_NAMES = {
    "bin": "bin",
    "last4": "last4",
    "expiry": "expiry",
    "cardholder": "cardholder",
    "name": "cardholder",
    "cardname": "cardholder",
}
FACT_ALIASES: dict[str, str] = {
    **dict.fromkeys(("bin", "cardbin"), "bin"),
    **dict.fromkeys(("last4", "lastfour", "cardlast4"), "last4"),
    **dict.fromkeys(("expiry", "exp", "expiration", "expirydate", "expirationdate"), "expiry"),
    **dict.fromkeys(("cardholder", "name", "cardholdername", "cardname"), "cardholder"),
    # The expected card (the one charged) under CardVerify's name for it, and the scanned card
    # (CardVerify's ocr_result), e.g. columns "expected.bin", "card_challenged.last4", "scanned.bin",
    # "ocr_result.expiry": see reviewdesk.domain.card_compare and docs/BOUNCER.md.
    **{f"{side}{name}": fact for side in _EXPECTED_SIDES for name, fact in _CARD_NAMES.items()},
    **{f"{side}{name}": f"scanned.{fact}" for side in _SCANNED_SIDES for name, fact in _CARD_NAMES.items()},
    "amount": "amount",
    **dict.fromkeys(("merchantref", "merchantreference"), "merchantRef"),
    "currency": "currency",
}
_NESTED_FACT_KEYS = frozenset({"facts", "cardfacts"})  # JSON: {"scanId": ..., "cardFacts": {...}}

# Checked facts, in column order: a malformed value is reported and left out; the row still imports.
_FACT_CHECKS: dict[str, tuple[re.Pattern[str], str]] = {
    "bin": (re.compile(r"[0-9]{6,8}"), "the BIN is not 6 to 8 digits"),
    "last4": (re.compile(r"[0-9]{4}"), "the last 4 is not 4 digits"),
    "expiry": (re.compile(r"(0[1-9]|1[0-2])/([0-9]{2}|[0-9]{4})"), "the expiry is not MM/YY or MM/YYYY"),
}
_FACT_CHECKS.update(
    {
        f"scanned.{key}": (pattern, complaint.replace("the ", "the scanned card's ", 1))
        for key, (pattern, complaint) in _FACT_CHECKS.items()
    }
)
# "4111 11" is a BIN: spaces inside are dropped
_DIGIT_FACTS = frozenset({"bin", "last4", "scanned.bin", "scanned.last4"})


def _plain_ids(ids: list[object]) -> bool:
    """Whether every id is plain printable ASCII without spaces, of a valid length (`ids` not empty)."""
    try:
        joined = "".join(ids)  # type: ignore[arg-type]
    except TypeError:  # JSON: a number or a list where an id should be
        return False
    return (
        joined.isascii()
        and joined.isprintable()
        and " " not in joined
        and min(map(len, ids)) > 0  # type: ignore[arg-type]
        and max(map(len, ids)) <= MAX_SCAN_ID_LENGTH  # type: ignore[arg-type]
    )


def _no_prefix(line: int) -> str:
    return ""


def _item_prefix(number: int) -> str:
    return f"item {number}: "


class _Rows:
    """One import's rows, checked and merged in bulk, column by column rather than row by row
    (100,000 rows must parse in well under two seconds).

    `lines[i]` is row i's line (for JSON: its item number, mapped to a line at the end); `ids[i]` its
    raw scan id; `facts[i]` its stripped, non-empty facts. `problems` may already hold what was found
    while reading; `prefix(line)` starts each new message ("item 7: " for JSON).
    """

    def __init__(
        self,
        lines: list[int],
        ids: list[object],
        facts: list[dict[str, str]] | None = None,
        problems: list[ImportProblem] | None = None,
        prefix: Callable[[int], str] = _no_prefix,
    ) -> None:
        self.lines, self.ids, self.prefix = lines, ids, prefix
        self.facts = facts  # None: no row has facts (a column of scan ids only)
        self.problems = problems if problems is not None else []

    def problem(self, i: int, message: str) -> None:
        line = self.lines[i]
        self.problems.append(ImportProblem(line, self.prefix(line) + message))

    def invalid_ids(self) -> set[int]:
        """Indices of the rows whose scan id does not validate (each one reported)."""
        ids = self.ids
        if all(map(_plain_ids, (ids[at : at + _SLICE] for at in range(0, len(ids), _SLICE)))):
            return set()  # the usual case, checked a slice at a time at C speed
        bad: set[int] = set()
        for i, value in enumerate(ids):
            try:
                validate_scan_id(value)
            except InvalidScanId as exc:
                bad.add(i)
                self.problem(i, str(exc))
        return bad

    def bad_fact_rows(self, key: str, values: list[str], skip: set[int]) -> list[int]:
        """Rows (outside `skip`) whose `key` fact is malformed, each reported; "" means no value."""
        pattern, complaint = _FACT_CHECKS[key]
        bad_values = {v for v in _unique(values) if v and pattern.fullmatch(v) is None}
        if not bad_values:
            return []
        bad = [i for i, v in enumerate(values) if v in bad_values and i not in skip]
        for i in bad:
            n = len(values[i])  # the length, never the value: it may be a card number
            self.problem(i, f"{complaint} ({n} character{'' if n == 1 else 's'}); it was left out")
        return bad

    def too_long_rows(self, key: str, values: list[str], skip: set[int]) -> list[int]:
        """Rows (outside `skip`) whose `key` fact is longer than MAX_FACT_LENGTH, each reported."""
        if not values or _lengths(max, values) <= MAX_FACT_LENGTH:
            return []
        bad = [i for i, v in enumerate(values) if len(v) > MAX_FACT_LENGTH and i not in skip]
        for i in bad:
            self.problem(
                i,
                f"the {key} is {len(values[i])} characters long, over {MAX_FACT_LENGTH}; it was left out",
            )
        return bad

    def check_fact_dicts(self, skip: set[int]) -> None:
        """Report and drop facts that are too long or malformed from the per-row dicts."""
        if self.facts is None:
            return
        for key in dict.fromkeys(FACT_ALIASES.values()):
            values = [f.get(key, "") for f in self.facts]
            for i in self.too_long_rows(key, values, skip):
                del self.facts[i][key]
        for key in _FACT_CHECKS:
            values = [f.get(key, "") for f in self.facts]
            for i in self.bad_fact_rows(key, values, skip):
                del self.facts[i][key]

    def result(self, source: str, skip: set[int]) -> ImportResult:
        """The rows outside `skip` as scans, in first-seen order, repeated ids merged (`merge_facts`)."""
        if self.facts is None:  # ids only: no fact dicts to build or merge
            kept = self.ids if not skip else [v for i, v in enumerate(self.ids) if i not in skip]
            unique: dict[object, None] = {}
            for at in range(0, len(kept), _SLICE):  # = dict.fromkeys(kept), a slice at a time
                unique.update(dict.fromkeys(kept[at : at + _SLICE]))
            self.problems.sort(key=lambda p: p.line)
            return ImportResult(
                scans=list(map(Scan, unique)),  # type: ignore[arg-type]  # validated above
                problems=self.problems,
                source=source,
                duplicates=len(kept) - len(unique),
            )
        ids, facts = self.ids, self.facts
        if skip:
            keep = [i for i in range(len(ids)) if i not in skip]
            ids, facts = [ids[i] for i in keep], [facts[i] for i in keep]
        str_ids: list[str] = ids  # type: ignore[assignment]  # validated above
        by_id: dict[str, dict[str, str]] = {}
        for at in range(0, len(str_ids), _SLICE):  # = dict(zip(...)), a slice at a time
            by_id.update(zip(str_ids[at : at + _SLICE], facts[at : at + _SLICE], strict=True))
        duplicates = len(str_ids) - len(by_id)
        if duplicates:  # dict() kept the last row's facts for a repeated id: merge them instead
            by_id = {}
            for scan_id, row_facts in zip(str_ids, facts, strict=True):
                known = by_id.get(scan_id)
                by_id[scan_id] = row_facts if known is None else merge_facts(known, row_facts)
        self.problems.sort(key=lambda p: p.line)  # stable: one line's problems keep their order
        scans = list(map(Scan, by_id.keys(), by_id.values()))
        return ImportResult(scans=scans, problems=self.problems, source=source, duplicates=duplicates)


# -- files --------------------------------------------------------------------------------------------


def read_text(path: str | os.PathLike[str]) -> str:
    """A text file's contents: UTF-8 (with or without BOM), UTF-16 with a BOM, else Latin-1."""
    p = Path(path)
    return _decode(_read_bytes(p), p.name or str(p))


def _read_bytes(p: Path) -> bytes:
    name = p.name or str(p)
    try:
        if p.is_dir():
            raise ImportFailed(f"{name} is a folder, not a file")
        size = p.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFailed(
                f"{name} is {size / 1024 / 1024:.0f} MB; files up to {MAX_FILE_BYTES // 1024 // 1024} MB "
                "can be imported"
            )
        return p.read_bytes()
    except FileNotFoundError:
        raise ImportFailed(f"{name} does not exist (any more?)") from None
    except PermissionError:
        raise ImportFailed(f"no permission to read {name}") from None
    except OSError as exc:
        raise ImportFailed(f"could not read {name}: {exc.strerror or exc}") from None


def _decode(data: bytes, name: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ImportFailed(f"{name} looks like UTF-16 text but cannot be decoded") from None
    if b"\x00" in data:
        raise ImportFailed(f"{name} is not a text file (it holds binary data)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def parse_file(path: str | os.PathLike[str]) -> ImportResult:
    """Parse a .csv, .json or .txt file (the last like pasted text: ids, or CSV/JSON when it is one)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise ImportFailed(f"{p.name}: only .csv, .json and .txt files can be imported, not {kind}")
    if suffix == ".csv":
        return parse_csv(p)
    if suffix == ".json":
        return parse_json(p)
    return _parse_pasted(read_text(p), str(p))


#: Data rows of a CSV file parsed at a time when the window imports it (`parse_file_parts`): a
#: 500,000-row file parsed whole held ~600 MB at once (docs/PERFORMANCE.md, "Memory"). Only files
#: of more than `SPLIT_ABOVE` rows are parsed in parts: a part costs more per row than the whole,
#: and a file of 100,000 rows must import within 2 s.
PART_ROWS = 25_000
SPLIT_ABOVE = 200_000


def parse_file_parts(
    path: str | os.PathLike[str], rows: int | None = None, split_above: int | None = None
) -> Iterator[ImportResult]:
    """`parse_file(path)` a part at a time, in file order: a CSV file of more than `split_above`
    (default `SPLIT_ABOVE`) data rows in which every record is one line (no lone carriage return;
    with quotes, csv reads the whole file as one record per line: `_line_records`) in parts of
    `rows` (default `PART_ROWS`) lines, each parsed with the whole file's header and delimiter;
    any other file as one part. Problems carry the file's line numbers. Repeated ids are merged
    within a part only: the caller merges across parts (the window: the store merges an id
    already queued). ImportFailed as `parse_file` raises it, from the first part.

    The file is kept as bytes and each part decoded on its own, and every scan of the whole file
    is made `_PIECE` bytes at a time: a parser thread holding the GIL for one call over 40 MB
    (decoding it: ~25 ms; counting its line breaks: ~25 ms each) stalled the window
    (docs/PERFORMANCE.md)."""
    p = Path(path)
    if p.suffix.lower() != ".csv":
        yield parse_file(p)
        return
    data = _read_bytes(p)
    source = os.fspath(p)
    plan = _csv_parts(data, rows or PART_ROWS, SPLIT_ABOVE if split_above is None else split_above)
    if plan is None:
        yield _parse_csv_text(_decode(data, p.name or source), source)
        return
    quoted = plan.quotes > 0
    if quoted and not _line_records(data, plan):
        yield _parse_csv_text(_decode(data, p.name or source), source)  # a record over lines
        return
    for first_line, start, end in plan.spans:
        text = plan.header + "\n" + data[start:end].decode(plan.encoding)
        part = _parse_csv_text(text, source, plan.delimiter, line_records=quoted)
        shift = first_line - 2  # the part's first data row is its line 2
        yield replace(
            part, problems=[ImportProblem(q.line + shift if q.line else 0, q.message) for q in part.problems]
        )


class _Parts(NamedTuple):
    """How a CSV file is cut (`_csv_parts`)."""

    header: str
    delimiter: str
    encoding: str
    begin: int  # where the text starts (after a UTF-8 BOM)
    spans: list[tuple[int, int, int]]  # (first line number, start, end) of each part's bytes
    lines: int  # the file's lines, as `_physical_lines` counts them
    quotes: int  # quote characters in it


def _csv_parts(data: bytes, rows: int, above: int) -> _Parts | None:
    """How to cut `data` in parts of `rows` lines when it has more than `above` lines of rows;
    None when it is to be parsed whole (as `_decode` reads it)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or _holds(data, b"\x00"):
        return None  # UTF-16; binary
    if _count(data, b"\r") != _count(data, b"\r\n"):
        return None  # a lone CR ends lines csv's way only
    begin = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    encoding = "utf-8" if _is_utf8(data, begin) else "latin-1"
    head = data[begin : begin + 65536].decode(encoding, errors="ignore")
    header = _first_line(head)
    at = head.find(header) if header else -1
    header_end = head.find("\n", at) if at >= 0 else -1
    if header_end < 0:
        return None
    body = begin + len(head[: header_end + 1].encode(encoding))
    if _count(data, b"\n", body) <= max(above, rows):
        return None
    delimiter = _choose_delimiter(head, header)
    line = head.count("\n", 0, header_end + 1) + 1  # the line number of the first data row
    spans: list[tuple[int, int, int]] = []
    start, n = body, len(data)
    while start < n:
        end, lines = start, 0
        while lines < rows and end < n:
            cut = data.find(b"\n", end)
            end = n if cut < 0 else cut + 1
            lines += 1
        spans.append((line, start, end))
        line += lines
        start = end
    # (line: the number the line after the last would have)
    return _Parts(header, delimiter, encoding, begin, spans, line - 1, _count(data, b'"', begin))


def _line_records(data: bytes, parts: _Parts) -> bool:
    """Whether the file parsed whole would take `_read_records`' fast path (every quote closed, csv
    reading one record per line): then its parts, parsed the same way, give its records. Counted a
    part at a time, `_SLICE` records at a time, none of them kept."""
    if parts.quotes % 2:
        return False

    def lines() -> Iterator[str]:
        head = data[parts.begin : parts.spans[0][1]]  # up to the header's end
        yield from _text_lines(head.decode(parts.encoding))
        for _, start, end in parts.spans:
            yield from _text_lines(data[start:end].decode(parts.encoding))

    reader = csv.reader(lines(), delimiter=parts.delimiter)
    records = 0
    try:
        while chunk := sum(1 for _ in islice(reader, _SLICE)):
            records += chunk
    except csv.Error:
        return False
    return records == parts.lines


def _holds(data: bytes, byte: bytes) -> bool:
    """`byte in data`, `_PIECE` bytes at a time."""
    return any(data.find(byte, at, at + _PIECE) >= 0 for at in range(0, len(data), _PIECE))


def _is_utf8(data: bytes, begin: int) -> bool:
    """Whether `data[begin:]` is UTF-8, decoded `_PIECE` bytes at a time (and let go of)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for at in range(begin, len(data), _PIECE):
            decoder.decode(data[at : at + _PIECE])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def _text_and_source(text_or_path: str | os.PathLike[str], kind: str) -> tuple[str, str]:
    """A `str` is the text itself; a path (`pathlib.Path`, any os.PathLike) is a file to read."""
    if isinstance(text_or_path, str):
        return text_or_path.lstrip("\ufeff"), kind
    return read_text(text_or_path), os.fspath(text_or_path)


# -- pasted text --------------------------------------------------------------------------------------

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_ID_SEPARATORS = re.compile(r"[ \t,]+")
_HEADER_SPLIT = re.compile(r"[,;\t|]")


def parse_pasted(text: str) -> ImportResult:
    """Ids separated by newlines, commas, spaces or tabs; or CSV (a scanId header) or JSON, when it is one."""
    return _parse_pasted(text.lstrip("\ufeff"), PASTED)


def _first_line(text: str) -> str:
    for line in _LINE_BREAK.split(text[:65536], maxsplit=200):
        if line.strip():
            return line
    return ""


def _looks_like_csv(text: str) -> bool:
    cells = _HEADER_SPLIT.split(_first_line(text))
    return any(_norm(cell.strip().strip("\"'")) in ID_ALIASES for cell in cells)


def _parse_pasted(text: str, source: str) -> ImportResult:
    if text.lstrip()[:1] in ("[", "{"):
        return _parse_json_text(text, source)
    if _looks_like_csv(text):
        return _parse_csv_text(text, source)
    lines: list[int] = []
    ids: list[str] = []
    for number, line in enumerate(_LINE_BREAK.split(text), start=1):
        for token in _ID_SEPARATORS.split(line):
            if token:
                ids.append(token)
                lines.append(number)
    if '"' in text or "'" in text:  # "abc", 'abc' as pasted from code or a spreadsheet
        for i, token in enumerate(ids):
            if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"'":
                ids[i] = token[1:-1]
    rows = _Rows(lines, list(ids))
    return rows.result(source, rows.invalid_ids())


# -- CSV ----------------------------------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t", "|")
_NO_SPLIT = "\x1f"  # a one-column file is never split (\x1f cannot be part of a valid id anyway)


def parse_csv(text_or_path: str | os.PathLike[str]) -> ImportResult:
    """CSV with a header row naming a scanId column; fact columns optional, unknown columns ignored."""
    text, source = _text_and_source(text_or_path, "CSV text")
    return _parse_csv_text(text, source)


def _choose_delimiter(text: str, header: str) -> str:
    """The header must name a scanId column. Of the delimiters that make it so, take csv.Sniffer's
    guess, else the one giving the most columns; a one-column file is not split at all."""
    valid: dict[str, int] = {}
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([header], delimiter=delimiter), [])
        if any(_norm(cell) in ID_ALIASES for cell in cells):
            valid[delimiter] = len(cells)
    if not valid:
        raise ImportFailed("the first row must be a header naming a scanId column" + _found(header))
    multi = {d: n for d, n in valid.items() if n > 1}
    if not multi:
        return _NO_SPLIT
    sample = "\n".join(_LINE_BREAK.split(text[:32768], maxsplit=20)[:20])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(_DELIMITERS)).delimiter
    except csv.Error:
        sniffed = ""
    if sniffed in multi:
        return sniffed
    return max(multi, key=lambda d: multi[d])  # the first of the best, in _DELIMITERS order


_HEADER_NAME = re.compile(r"[A-Za-z][A-Za-z _.\-]{0,39}")


def _found(header: str) -> str:
    """What the first row holds, for the message, only when it looks like column names: a row of
    data may hold a card number, an expiry or a CVV (and a binary file only garbage), so a row
    with a digit or anything but plain words is described, never echoed."""
    cells = [c.strip() for c in next(csv.reader([header[:2000]]), []) if c.strip()]
    if cells and all(_HEADER_NAME.fullmatch(c) for c in cells) and len(cells) <= 30:
        return f" (found: {', '.join(cells)})"
    if any(not c.isprintable() for c in header):
        return " (it does not look like text)"
    return " (it looks like a row of data; its values are not shown)"


#: Items per C-speed step of a big import (~3-10 ms each; up to three times that in the window's
#: process under load): `list(csv.reader(...))` over 500,000 rows is one C call that holds the GIL
#: for a second, and the window (GUI thread) waits that long.
_SLICE = 5_000


def _slices(items: Iterator[T]) -> list[T]:
    """`list(items)`, taken `_SLICE` at a time so that other threads run in between."""
    out: list[T] = []
    while chunk := list(islice(items, _SLICE)):
        out += chunk
    return out


def _lengths(pick: Callable[[Iterator[int]], int], items: Sequence[Sized]) -> int:
    """`pick(map(len, items))` (`min` or `max`; `items` not empty), `_SLICE` items at a time."""
    return pick(pick(map(len, items[at : at + _SLICE])) for at in range(0, len(items), _SLICE))


def _any_space(values: list[str]) -> bool:
    """Whether any value holds a space, `_SLICE` values at a time."""
    return any(" " in "".join(values[at : at + _SLICE]) for at in range(0, len(values), _SLICE))


def _unique(values: list[str]) -> set[str]:
    """`set(values)`, `_SLICE` at a time (hashing 500,000 new strings is one long C call)."""
    out: set[str] = set()
    for at in range(0, len(values), _SLICE):
        out.update(values[at : at + _SLICE])
    return out


#: A fact column is shared (`_shared`) when its first `_SAMPLE` values hold at most half as many
#: distinct ones: a currency, an expiry, a cardholder's name, a BIN repeat across a file.
_SAMPLE = 2_000


def _shared(values: list[str]) -> list[str]:
    """`values` with equal strings made one object: csv makes a new string for every cell, ~55
    bytes each, and a 500,000-row file's "USD"s alone were ~27 MB. Left as it is when its start
    shows few repeats (a merchant reference: the lookups would cost time for nothing)."""
    if len(set(values[:_SAMPLE])) * 2 > min(len(values), _SAMPLE):
        return values
    memo: dict[str, str] = {}
    return _slices(map(memo.setdefault, values, values))


def _release(*lists: list[Any]) -> None:
    """Empty the lists `_SLICE` items at a time: freeing 500,000 rows at once (at a function's
    return) is one C call that holds the GIL for ~100 ms."""
    for items in lists:
        while items:
            del items[-_SLICE:]


#: Characters of the text handed to `io.StringIO` at a time: one StringIO of a 42 MB file is a
#: single copy of it into 4-byte characters (~80 ms, the GIL held throughout).
_PIECE = 1 << 20


def _count(text: AnyStr, sub: AnyStr, start: int = 0) -> int:
    """`text.count(sub, start)` for a `sub` that cannot overlap itself, `_PIECE` characters (or
    bytes) at a time: each piece counts the occurrences that start in it."""
    n, extra = len(text), len(sub) - 1
    return sum(text.count(sub, at, min(at + _PIECE + extra, n)) for at in range(start, n, _PIECE))


def _text_lines(text: str) -> Iterator[str]:
    """The lines of `text` as `io.StringIO(text, newline="")` gives them (ends kept; a line ends
    at \n, \r or \r\n), made a piece of about `_PIECE` characters at a time. Pieces end just
    after a \n, so that no line (and no \r\n) is ever cut in two."""
    at, n = 0, len(text)
    while at < n:
        cut = text.find("\n", at + _PIECE - 1)
        end = n if cut < 0 else cut + 1
        yield from io.StringIO(text[at:end], newline="")
        at = end


def _physical_lines(text: str) -> int:
    breaks = _count(text, "\n") + _count(text, "\r") - _count(text, "\r\n")
    return breaks + (1 if text and not text.endswith(("\n", "\r")) else 0)


def _read_records(
    text: str, delimiter: str, line_records: bool = False
) -> tuple[list[list[str]], list[int] | None, list[int] | None, list[ImportProblem]]:
    """All records, the lines each starts and ends on, and the rows that could not be read.

    Fast path: csv reads everything at C speed and, when there are as many records as lines and
    every quote is closed, record i is line i + 1 (None, None). Else (a quoted line break, a quote
    never closed, a field over the csv module's limit) it reads again record by record, strictly,
    to learn the lines; a row csv cannot read is reported and skipped, and reading goes on.
    `line_records`: a part of a file known to take the fast path whole (`_line_records`), where a
    part alone may hold an odd count (a quote inside an unquoted field is csv's as any letter).
    """
    if line_records or _count(text, '"') % 2 == 0:  # an odd count: some quote is never closed
        try:
            records = _slices(csv.reader(_text_lines(text), delimiter=delimiter))
            if len(records) == _physical_lines(text):
                return records, None, None, []
        except csv.Error:
            pass
    reader = csv.reader(_text_lines(text), delimiter=delimiter, strict=True)
    records = []
    starts: list[int] = []
    ends: list[int] = []
    problems: list[ImportProblem] = []
    last = 0  # the line the previous record (or unreadable row) ended on
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(ImportProblem(last + 1, _csv_complaint(exc, last + 1, reader.line_num)))
            if reader.line_num <= last:  # nothing more was consumed: stop rather than loop
                break
            last = reader.line_num
            continue
        records.append(record)
        starts.append(last + 1)
        ends.append(reader.line_num)
        last = reader.line_num
    return records, starts, ends, problems


def _csv_complaint(exc: csv.Error, start: int, end: int) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a field is longer than {csv.field_size_limit()} characters (row skipped)"
    if "unexpected end of data" in text:
        where = f" (from line {start} to the end of the file)" if end > start else ""
        return f"a quoted field is never closed{where}; is a closing quote missing? (row skipped)"
    return f"the row is not valid CSV ({text}) (row skipped)"


def _parse_csv_text(
    text: str, source: str, delimiter: str | None = None, *, line_records: bool = False
) -> ImportResult:
    header = _first_line(text)
    if not header:
        return ImportResult(scans=[], problems=[], source=source)
    chosen = delimiter if delimiter is not None else _choose_delimiter(text, header)
    records, starts, ends, problems = _read_records(text, chosen, line_records)
    h = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), len(records))
    if h == len(records):
        return ImportResult(scans=[], problems=problems, source=source)
    names = [_norm(c) for c in records[h]]
    id_col = next((i for i, n in enumerate(names) if n in ID_ALIASES), -1)
    if id_col < 0:
        raise ImportFailed("the first row must be a header naming a scanId column")
    fact_cols: dict[str, int] = {}
    for i, n in enumerate(names):
        key = FACT_ALIASES.get(n)
        if key is not None and key not in fact_cols:  # two columns for one fact: the first wins
            fact_cols[key] = i

    data = records[h + 1 :]
    need = max([id_col, *fact_cols.values()]) + 1
    if data and _lengths(min, data) < need:  # short rows, blank lines: pad with empty cells
        data = [r if len(r) >= need else r + [""] * (need - len(r)) for r in data]
    lines = list(range(h + 2, h + 2 + len(data))) if starts is None else starts[h + 1 :]
    ids = _slices(map(str.strip, map(itemgetter(id_col), data)))  # map/itemgetter: C speed, no Python loop

    drop: set[int] = set()
    if "" in ids:  # blank lines and rows of empty cells (",,,," from a spreadsheet) are skipped quietly
        drop.update(i for i, v in enumerate(ids) if not v and not any(c.strip() for c in data[i]))
    if ends is not None and starts is not None:
        for i in range(len(data)):
            start, end = starts[h + 1 + i], ends[h + 1 + i]
            if end > start and i not in drop:
                drop.add(i)
                problems.append(
                    ImportProblem(
                        start, f"the row runs on to line {end}; is a closing quote missing? (row skipped)"
                    )
                )
    if drop:
        keep = [i for i in range(len(data)) if i not in drop]
        data, lines, ids = [data[i] for i in keep], [lines[i] for i in keep], [ids[i] for i in keep]

    rows = _Rows(lines, list(ids), problems=problems)
    skip = rows.invalid_ids()
    columns: dict[str, list[str]] = {}
    for key, col in fact_cols.items():
        values = _slices(map(str.strip, map(itemgetter(col), data)))
        for i in rows.too_long_rows(key, values, skip):
            values[i] = ""
        if key in _DIGIT_FACTS and _any_space(values):
            values = [v.replace(" ", "") for v in values]
        if key in _FACT_CHECKS:
            for i in rows.bad_fact_rows(key, values, skip):
                values[i] = ""
        columns[key] = _shared(values)
    # The rows as read are let go before the facts' dicts are made: a 500,000-row file's cells and
    # row lists (~300 MB) and its dicts (~250 MB) were held at once (docs/PERFORMANCE.md, "Memory").
    _release(records, data)
    if columns:
        keys = tuple(columns)
        facts = _slices(map(dict, map(zip, repeat(keys), zip(*columns.values(), strict=True))))
        for key, values in columns.items():
            if "" in values:
                for i in [i for i, v in enumerate(values) if not v]:
                    del facts[i][key]
        rows.facts = facts
    result = rows.result(source, skip)
    _release(*columns.values())
    return result


# -- JSON ---------------------------------------------------------------------------------------------


def parse_json(text_or_path: str | os.PathLike[str]) -> ImportResult:
    """A list of scan ids, or of objects with a scanId (and facts); or {"scans": [...]}."""
    text, source = _text_and_source(text_or_path, "JSON text")
    return _parse_json_text(text, source)


_MISSING = object()


def _parse_json_text(text: str, source: str) -> ImportResult:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except RecursionError:
        raise ImportFailed("not usable JSON: it is nested too deeply") from None
    except ValueError:  # an integer of thousands of digits (Python refuses to convert it)
        raise ImportFailed("not usable JSON: it holds a number too long to read") from None
    if isinstance(data, dict) and isinstance(data.get("scans"), list):
        items = data["scans"]
    elif isinstance(data, list):
        items = data
    elif isinstance(data, dict) and any(_norm(k) in ID_ALIASES for k in data):
        items = [data]  # one scan, e.g. one CardVerify body with its scanId
    else:
        raise ImportFailed(
            'expected a list of scans, or an object {"scans": [...]} (or one object with a scanId)'
        )
    lines: list[int] = []
    ids: list[object] = []
    facts: list[dict[str, str]] = []
    problems: list[ImportProblem] = []
    for number, item in enumerate(items, start=1):
        row_facts: dict[str, str] = {}
        if isinstance(item, dict):
            raw_id = _object_row(item, row_facts, number, problems)
            if raw_id is _MISSING:
                continue
        elif isinstance(item, str):
            raw_id = item.strip()
        elif isinstance(item, int) and not isinstance(item, bool):
            raw_id = str(item)
        else:
            problems.append(
                ImportProblem(
                    number, f"item {number}: expected a scan id or an object with a scanId, not {_kind(item)}"
                )
            )
            continue
        lines.append(number)
        ids.append(raw_id)
        facts.append(row_facts)
    rows = _Rows(lines, ids, facts, problems, _item_prefix)
    skip = rows.invalid_ids()
    rows.check_fact_dicts(skip)
    result = rows.result(source, skip)
    if result.problems:  # so far a problem's line is its item number: make it the item's line if we can
        item_lines = _item_lines(text, len(items))
        if item_lines is not None:
            result.problems[:] = [ImportProblem(item_lines[p.line - 1], p.message) for p in result.problems]
    return result


def _kind(value: object) -> str:
    if value is None:
        return "null"
    kinds = {bool: "true/false", float: "a number", list: "a list", dict: "an object", str: "text"}
    return kinds.get(type(value), type(value).__name__)


def _object_row(
    item: dict[str, object], facts: dict[str, str], number: int, problems: list[ImportProblem]
) -> object:
    """The object's raw scan id (or _MISSING, reported), filling `facts` from known keys."""
    raw_id: object = _MISSING
    nested: list[tuple[str, object]] = []
    cards: list[tuple[str, object]] = []  # CardVerify: ("cardVerify"|"card_challenged"|…, value)
    for key, value in item.items():
        n = _norm(key)
        if n in ID_ALIASES:
            if raw_id is _MISSING:
                raw_id = value.strip() if isinstance(value, str) else value
                if isinstance(raw_id, int) and not isinstance(raw_id, bool):
                    raw_id = str(raw_id)
        elif n in _NESTED_FACT_KEYS and isinstance(value, dict):
            nested.extend(value.items())
        elif n in _CARDVERIFY_KEYS:
            cards.append((key, value))
        else:
            fact = FACT_ALIASES.get(n)
            if fact is None:
                continue
            if type(value) is str:  # the usual case, inline (_put_fact does the same)
                if fact not in facts:
                    value = value.strip()
                    if value:
                        facts[fact] = value.replace(" ", "") if fact in _DIGIT_FACTS else value
            else:
                _put_fact(facts, fact, key, value, number, problems)
    for key, value in nested:  # {"cardFacts": {...}}: top-level facts win over nested ones
        fact = FACT_ALIASES.get(_norm(key))
        if fact is not None:
            _put_fact(facts, fact, key, value, number, problems)
    if cards:
        _cardverify_facts(cards, facts, number, problems)
    if raw_id is _MISSING:
        problems.append(ImportProblem(number, f"item {number}: the object has no scanId"))
    return raw_id


# -- CardVerify request bodies (docs/BOUNCER.md) -----------------------------------------------------

# Keys of an item that make it (or hold) a CardVerify body. Its `payload` and `verification_results`
# (encrypted scan results) match no fact and are never kept: not in facts, not in a message.
_CARDVERIFY_KEYS = frozenset({"cardverify", "cardchallenged", "ocrresult", "expmonth", "expyear"})
_CARD_FIELD_FACTS = {"bin": "bin", "last4": "last4", "cardname": "cardholder"}
_MONTH = re.compile(r"0?[1-9]|1[0-2]")
_YEAR = re.compile(r"[0-9]{2}|[0-9]{4}")


def _cardverify_facts(
    cards: list[tuple[str, object]], facts: dict[str, str], number: int, problems: list[ImportProblem]
) -> None:
    """Facts from a CardVerify body: `/v1/card/verify` has the charged card at its top level (its
    bin and last4 were read as usual, its exp_month/exp_year are read here); `/v1/card/verify_web`
    has `card_challenged` (expected: the usual keys) and `ocr_result` (scanned: "scanned." keys);
    `{"scanId": …, "cardVerify": {…}}` wraps either."""
    top = {_norm(k): v for k, v in cards}
    wrapped = top.get("cardverify")
    if "cardverify" in top:
        if isinstance(wrapped, dict):
            _card_facts(wrapped, "", "cardVerify.", facts, number, problems)
            for key, value in wrapped.items():
                if _norm(key) in ("cardchallenged", "ocrresult"):
                    _nested_card(key, value, "cardVerify.", facts, number, problems)
        else:
            problems.append(
                ImportProblem(number, f"item {number}: cardVerify is {_kind(wrapped)}, not an object")
            )
    _expiry_fact(top, "", "", facts, number, problems)
    for key, value in cards:
        if _norm(key) in ("cardchallenged", "ocrresult"):
            _nested_card(key, value, "", facts, number, problems)


def _nested_card(
    key: str, value: object, where: str, facts: dict[str, str], number: int, problems: list[ImportProblem]
) -> None:
    prefix = "scanned." if _norm(key) == "ocrresult" else ""
    if isinstance(value, dict):
        _card_facts(value, prefix, f"{where}{key}.", facts, number, problems)
    elif value is not None:
        problems.append(
            ImportProblem(
                number, f"item {number}: {where}{key} is {_kind(value)}, not an object; it was left out"
            )
        )


def _card_facts(
    card: dict[str, object],
    prefix: str,
    where: str,
    facts: dict[str, str],
    number: int,
    problems: list[ImportProblem],
) -> None:
    """One CardDetails object into facts under `prefix` ("" expected, "scanned." scanned)."""
    fields = {_norm(k): (k, v) for k, v in card.items()}
    for name, fact in _CARD_FIELD_FACTS.items():
        if name in fields:
            key, value = fields[name]
            _put_fact(facts, prefix + fact, where + key, value, number, problems)
    _expiry_fact({n: v for n, (_, v) in fields.items()}, prefix, where, facts, number, problems)


def _expiry_fact(
    fields: dict[str, object],
    prefix: str,
    where: str,
    facts: dict[str, str],
    number: int,
    problems: list[ImportProblem],
) -> None:
    """exp_month + exp_year -> the `expiry` fact ("01/2027"); a bad or lone half is reported."""
    month, year = fields.get("expmonth"), fields.get("expyear")
    if month in (None, "") and year in (None, ""):
        return
    texts = {}
    for name, value, pattern, rule in (
        ("exp_month", month, _MONTH, "is not a month, 01 to 12"),
        ("exp_year", year, _YEAR, "is not a year of 2 or 4 digits"),
    ):
        if value in (None, ""):
            problems.append(
                ImportProblem(number, f"item {number}: {where}{name} is missing; the expiry was left out")
            )
            return
        text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
        if text is None or pattern.fullmatch(text) is None:
            size = f"{len(text)} characters" if text is not None else _kind(value)
            problems.append(
                ImportProblem(
                    number, f"item {number}: {where}{name} {rule} ({size}); the expiry was left out"
                )
            )
            return
        texts[name] = text
    facts.setdefault(prefix + "expiry", expiry_fact(texts["exp_month"], texts["exp_year"]))


def _put_fact(
    facts: dict[str, str], fact: str, key: str, value: object, number: int, problems: list[ImportProblem]
) -> None:
    if fact in facts or value is None:  # two keys for one fact: the first wins
        return
    if isinstance(value, str):
        value = value.strip()
        if value:
            facts[fact] = value.replace(" ", "") if fact in _DIGIT_FACTS else value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        facts[fact] = str(value)
    else:
        problems.append(
            ImportProblem(
                number, f"item {number}: {key} is {_kind(value)}, not text or a number; it was left out"
            )
        )


_WS = re.compile(r"[ \t\n\r]*")


def _item_lines(text: str, count: int) -> list[int] | None:
    """Best effort: the line each item of the scans array starts on (None when it cannot be told)."""
    decoder = json.JSONDecoder()

    def skip(pos: int) -> int:
        match = _WS.match(text, pos)
        return match.end() if match else pos

    try:
        pos = skip(0)
        if text.startswith("{", pos):  # {"scans": [...], ...}: find the (last) "scans" member
            pos, found = skip(pos + 1), -1
            while not text.startswith("}", pos):
                key, pos = decoder.raw_decode(text, pos)
                pos = skip(pos)
                if not text.startswith(":", pos):
                    return None
                pos = skip(pos + 1)
                if key == "scans":
                    found = pos
                _, pos = decoder.raw_decode(text, pos)
                pos = skip(pos)
                if text.startswith(",", pos):
                    pos = skip(pos + 1)
                elif not text.startswith("}", pos):
                    return None
            pos = found
        if pos < 0 or not text.startswith("[", pos):
            return None
        lines: list[int] = []
        line, last = 1 + text.count("\n", 0, pos), pos
        pos = skip(pos + 1)
        while not text.startswith("]", pos):
            line += text.count("\n", last, pos)
            last = pos
            lines.append(line)
            _, pos = decoder.raw_decode(text, pos)
            pos = skip(pos)
            if text.startswith(",", pos):
                pos = skip(pos + 1)
            elif not text.startswith("]", pos):
                return None
    except (ValueError, IndexError):
        return None
    return lines if len(lines) == count else None
