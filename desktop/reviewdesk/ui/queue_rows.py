"""The rows behind the queue's table: columns, not one Python object per scan.

A window with 1,000,000 queued scans keeps, per row, the scan id (its lowered form shares the
object when the id is lower-case already), one state byte, and an id -> row entry: ~150 bytes
a row instead of a `Scan` with its facts dict (~800). Whole scans come from:
- `held`: scans the table was handed and keeps (all of them when there is no `loader`; with one,
  the rows changed in this session: decided, delivered, undone);
- a `loader` (the store's `QueuePages`), a page of `PAGE_ROWS` rows at a time, the last
  `MAX_PAGES` pages kept.
Finding the next scan to review, counting states and filtering run over the columns in C
(`bytearray.find`, `bytes.translate`, `itertools.compress`). See docs/PERFORMANCE.md.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import compress, repeat
from operator import and_, contains
from typing import Any

from reviewdesk.domain.scan import Scan, ScanState, merge_facts
from reviewdesk.store.queue_columns import CODE_STATE, STATE_CODE, QueueColumns

#: Scans by id from the store; ids it does not know are left out of the answer.
Loader = Callable[[Sequence[str]], dict[str, Scan]]

PAGE_ROWS = 200
MAX_PAGES = 64  # 12,800 whole scans at most, ~10 MB
_TO_REVIEW = STATE_CODE[ScanState.TO_REVIEW]
Rows = list[int] | range


class QueueRows:
    """The queue in order, as columns; see the module's docstring."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.lower: list[str] = []  # may be `ids` itself (every id lower-case)
        self.states = bytearray()
        self.index: dict[str, int] = {}
        self.counts: dict[ScanState, int] = dict.fromkeys(ScanState, 0)
        self.held: dict[int, Scan] = {}
        self.loader: Loader | None = None
        self._pages: OrderedDict[int, list[Scan | None]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.ids)

    # -- filling ---------------------------------------------------------------------------------------

    def adopt(self, columns: QueueColumns, loader: Loader | None) -> None:
        """Take the store's columns as they are (no copy): whole scans come from `loader`."""
        self.ids, self.lower, self.states, self.index = (
            columns.ids,
            columns.lower,
            columns.states,
            columns.index,
        )
        self.loader = loader
        self.held = {}
        self._pages.clear()
        self._count()

    def replace(self, scans: Iterable[Scan]) -> None:
        """Hold these scans (a repeated id is merged into its first occurrence)."""
        self.ids, self.lower, self.states, self.index = [], [], bytearray(), {}
        self.held = {}
        self._pages.clear()
        self.append_new(_dedupe(scans), hold=True)
        self._count()

    def _count(self) -> None:
        self.counts = {state: self.states.count(code) for state, code in STATE_CODE.items()}

    def append_new(self, scans: list[Scan], *, hold: bool) -> None:
        """Append scans not queued yet (ids unique among them and new here)."""
        first = len(self.ids)
        self._pages.pop(first // PAGE_ROWS, None)  # the last page read may have been short
        ids = [s.scan_id for s in scans]
        if self.lower is self.ids:
            lowered = [i.lower() for i in ids]
            if lowered != ids:
                self.lower = list(self.ids)  # no longer shared: some id has capitals
                self.lower += lowered
            self.ids += ids
        else:
            self.ids += ids
            self.lower += [i.lower() for i in ids]
        self.states += bytes(STATE_CODE[s.state] for s in scans)
        self.index.update(zip(ids, range(first, first + len(ids)), strict=True))
        for scan in scans:
            self.counts[scan.state] += 1
        if hold or self.loader is None:
            self.held.update(zip(range(first, first + len(scans)), scans, strict=True))

    def merge_facts(self, row: int, scan: Scan) -> bool:
        """Facts for a queued scan merged in (its state, decision and note stay); True if it changed."""
        held = self.held.get(row)
        if held is None and self.loader is not None:
            self._pages.clear()  # the store merged them: read again
            return bool(scan.facts)
        old = held if held is not None else Scan(self.ids[row])
        facts = merge_facts(old.facts, scan.facts)
        if facts == old.facts:
            return False
        self.held[row] = old.with_(facts=facts)
        return True

    def update(self, scan: Scan) -> int:
        """Replace the queued scan with the same id (KeyError if unknown); its row."""
        row = self.index[scan.scan_id]
        old = CODE_STATE[self.states[row]]
        if old is not scan.state:
            self.counts[old] -= 1
            self.counts[scan.state] += 1
            self.states[row] = STATE_CODE[scan.state]
        self.held[row] = scan
        return row

    # -- reading ---------------------------------------------------------------------------------------

    def state(self, row: int) -> ScanState:
        return CODE_STATE[self.states[row]]

    def scan(self, row: int) -> Scan:
        """The whole scan at `row` (IndexError if there is none)."""
        held = self.held.get(row)
        if held is not None:
            return held
        if not 0 <= row < len(self.ids):
            raise IndexError(row)
        page = row // PAGE_ROWS
        scans = self._pages.get(page)
        if scans is None:
            scans = self._load(page)
        else:
            self._pages.move_to_end(page)
        found = scans[row - page * PAGE_ROWS]
        if found is None:  # unknown to the store (removed meanwhile) or not readable now
            return Scan(self.ids[row], state=self.state(row))
        return found if found.state is self.state(row) else found.with_(state=self.state(row))

    def _load(self, page: int) -> list[Scan | None]:
        ids = self.ids[page * PAGE_ROWS : (page + 1) * PAGE_ROWS]
        found = self.loader(ids) if self.loader is not None else {}
        scans = [found.get(i) for i in ids]
        if found or not ids:  # a failed read is tried again next time
            self._pages[page] = scans
            while len(self._pages) > MAX_PAGES:
                self._pages.popitem(last=False)
        return scans

    def _ring_after(self, scan_id: str | None) -> Iterator[int]:
        """Rows to review after `scan_id` in queue order, wrapping around, without it."""
        states, n = self.states, len(self.states)
        start = self.index.get(scan_id, -1) if scan_id is not None else -1
        for lo, hi in ((start + 1, n), (0, max(start, 0))):
            at = states.find(_TO_REVIEW, lo, hi)
            while at >= 0:
                yield at
                at = states.find(_TO_REVIEW, at + 1, hi)

    def upcoming(self, scan_id: str | None, n: int) -> list[str]:
        found: list[str] = []
        if n <= 0:
            return found
        for row in self._ring_after(scan_id):
            found.append(self.ids[row])
            if len(found) >= n:
                break
        return found

    # -- filtering -------------------------------------------------------------------------------------

    def matching(self, state: ScanState | None, search: str) -> Rows:
        """Rows in `state` (None: any) whose lowered id contains `search`, ascending."""
        n = len(self.ids)
        if state is None and not search:
            return range(n)
        if search:
            rows: Rows = list(compress(range(n), map(contains, self.lower, repeat(search))))
            if state is None:
                return rows
            code, states = STATE_CODE[state], self.states
            return [r for r in rows if states[r] == code]
        count = self.counts[state]
        if count in (0, n):  # none or every row: no scan over the states
            return range(n) if count else []
        return list(compress(range(n), self.states.translate(_MASKS[state])))

    def narrow(self, rows: Rows, search: str) -> list[int]:
        """The rows of `rows` whose lowered id contains `search` (typing one more letter)."""
        return list(compress(rows, map(contains, map(self.lower.__getitem__, rows), repeat(search))))

    def search_steps(
        self, state: ScanState | None, search: str, step: int, within: Rows | None = None
    ) -> Iterator[list[int] | None]:
        """`matching(state, search)` (or, given `within`, `narrow(within, search)` kept to `state`)
        `step` rows at a time: None after each step but the last, then the rows. The rows are those
        queued now: rows appended meanwhile are not looked at."""
        rows: Rows = range(len(self.ids)) if within is None else within
        mask = _MASKS[state] if state is not None else None
        return self._search_steps(rows, mask, search, step)

    def _search_steps(
        self, rows: Rows, mask: bytes | None, search: str, step: int
    ) -> Iterator[list[int] | None]:
        found: list[int] = []
        lower, states = self.lower, self.states
        for at in range(0, len(rows), step):
            if at:
                yield None
            part = rows[at : at + step]
            if isinstance(part, range):  # consecutive rows: slices, at C speed
                ids: Iterable[str] = lower[part.start : part.stop]
                codes = states[part.start : part.stop] if mask is not None else b""
            else:
                ids = map(lower.__getitem__, part)
                codes = bytes(map(states.__getitem__, part)) if mask is not None else b""
            hits: Iterator[Any] = map(contains, ids, repeat(search))
            if mask is not None:
                hits = map(and_, hits, codes.translate(mask))
            found += compress(part, hits)
        yield found

    def accepts(self, row: int, state: ScanState | None, search: str) -> bool:
        return (state is None or self.states[row] == STATE_CODE[state]) and (
            not search or search in self.lower[row]
        )


def _mask(code: int) -> bytes:
    table = bytearray(256)
    table[code] = 1
    return bytes(table)


_MASKS = {state: _mask(code) for state, code in STATE_CODE.items()}


def _dedupe(scans: Iterable[Scan]) -> list[Scan]:
    unique: dict[str, Scan] = {}
    for scan in scans:
        first = unique.get(scan.scan_id)
        unique[scan.scan_id] = (
            scan if first is None else first.with_(facts=merge_facts(first.facts, scan.facts))
        )
    return list(unique.values())
