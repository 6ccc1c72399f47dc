"""The queue for a window that may hold 1,000,000 scans: columns in memory, whole scans a page at a time.

The columns themselves, what the window holds; `store.queue_read` reads them (`read_columns`, on
the store thread, in two C-speed aggregates, never one Python object per row beyond the id
itself) and has `QueuePages`, a second, read-only connection for the GUI thread that reads whole
scans (facts, decision, note) by id, a page at a time, as the table shows them (WAL: it never
waits for the store thread's writes). Apart so that the window's modules import no SQLite before
its first frame. See docs/PERFORMANCE.md ("Growth with the queue", "Start-up").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reviewdesk.domain.scan import ScanState

#: A state's code in `QueueColumns.states`: one ASCII digit per row ("0" = to review, ...).
STATE_ORDER: tuple[ScanState, ...] = tuple(ScanState)
STATE_CODE: dict[ScanState, int] = {state: ord("0") + i for i, state in enumerate(STATE_ORDER)}
CODE_STATE: dict[int, ScanState] = {code: state for state, code in STATE_CODE.items()}

_SEPARATOR = "\n"  # a scan id never holds a control character (domain.scan_id)
_STATE_CASE = (
    "CASE state "
    + " ".join(f"WHEN '{s.value}' THEN '{chr(code)}'" for s, code in STATE_CODE.items())
    + f" ELSE '{chr(STATE_CODE[ScanState.TO_REVIEW])}' END"
)


@dataclass
class QueueColumns:
    """The whole queue in order: `ids[row]`, `lower[row]` (the id lowered: the same list as `ids`
    when every id is lower-case already), `states[row]` (a `STATE_CODE`) and `index[id] = row`."""

    ids: list[str] = field(default_factory=list)
    lower: list[str] = field(default_factory=list)
    states: bytearray = field(default_factory=bytearray)
    index: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    def ids_in(self, *states: ScanState) -> list[str]:
        """The ids of the rows in these states, in queue order (found in C, not row by row)."""
        rows: list[int] = []
        for state in states:
            code, at = STATE_CODE[state], -1
            while (at := self.states.find(code, at + 1)) >= 0:
                rows.append(at)
        return [self.ids[r] for r in sorted(rows)]

    def other_items(self, state: ScanState = ScanState.TO_REVIEW) -> list[str]:
        """The ids of items of other sources than Dyneti ("jumio:…", a ":" in the id) in `state`,
        in queue order: a bare scan id is skipped without parsing (a million take ~50 ms)."""
        code = STATE_CODE[state]
        states = self.states
        return [item for row, item in enumerate(self.ids) if ":" in item and states[row] == code]


def columns_of(ids: list[str], states: bytearray) -> QueueColumns:
    columns = QueueColumns(ids=[], lower=[], states=bytearray(), index={})
    _extend(columns, ids, states)
    return columns


def _extend(columns: QueueColumns, ids: list[str], states: bytes | bytearray) -> None:
    """Append rows. Each step is one C call over this chunk only: the GUI thread gets the GIL back
    between chunks (a 1,000,000-row `dict(zip(...))` alone holds it for ~150 ms)."""
    first = len(columns.ids)
    joined = _SEPARATOR.join(ids)
    lowered = joined.lower()
    lower = ids if lowered == joined else lowered.split(_SEPARATOR)
    if len(lower) != len(ids):  # lower-casing made a separator? never: but never lose a row either
        lower = [i.lower() for i in ids]
    if not columns.ids and lower is ids:
        columns.lower = columns.ids  # every id lower-case: one list for both
    elif columns.lower is columns.ids and lower is not ids:
        columns.lower = list(columns.ids)  # no longer shared
    columns.ids += ids
    if columns.lower is not columns.ids:
        columns.lower += lower
    columns.states += states
    columns.index.update(zip(ids, range(first, first + len(ids)), strict=True))
