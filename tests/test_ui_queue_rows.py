"""The lazy queue model: columns in memory, whole scans read from the store a page at a time.

Each test compares the lazy model (`set_columns` + the store's `QueuePages`) with the same queue
held whole (`set_scans`), at a few thousand rows: same cells, states, filter results and next scans.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTableView

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store import Store
from reviewdesk.store.queue_read import QueuePages
from reviewdesk.ui.queue_rows import MAX_PAGES, PAGE_ROWS
from reviewdesk.ui.scan_table import COLUMNS, SCAN_ROLE, ScanFilterProxy, ScanTableModel

TR, DE, SE, FA = ScanState.TO_REVIEW, ScanState.DECIDED, ScanState.SENT, ScanState.FAILED
ROWS = 3000


@pytest.fixture
def store(tmp_path: Path):
    rnd = random.Random(5)
    store = Store(tmp_path / "reviewdesk.db")
    ids = [f"{'Scan' if n % 7 == 0 else 'scan'}-{rnd.getrandbits(32):08x}-{n}" for n in range(ROWS)]
    store.add_scans([Scan(i, {"bin": f"{400000 + n}", "last4": f"{n:04d}"}) for n, i in enumerate(ids)])
    for n in range(0, ROWS, 11):
        store.record_decision(ids[n], "approved", {}, note=f"note {n}")
    yield store
    store.close()


class CountingPages:
    """The store's real page reader, counting what it was asked for."""

    def __init__(self, path: Path) -> None:
        self.pages = QueuePages(path)
        self.asked: list[int] = []

    def __call__(self, ids: Sequence[str]) -> dict[str, Scan]:
        self.asked.append(len(ids))
        return self.pages.scans(ids)


def lazy_and_whole(store: Store, qapp) -> tuple[ScanTableModel, ScanTableModel, CountingPages]:
    loader = CountingPages(store.path)
    lazy = ScanTableModel()
    lazy.set_columns(store.queue_columns(), loader)
    whole = ScanTableModel(store.scans())
    return lazy, whole, loader


Table = ScanTableModel | ScanFilterProxy


def cells(model: Table, role: int = Qt.ItemDataRole.DisplayRole) -> list[list[object]]:
    return [
        [model.data(model.index(r, c), role) for c in range(len(COLUMNS))] for r in range(model.rowCount())
    ]


def test_the_lazy_model_shows_every_row_as_the_whole_one(store: Store, qapp, qtmodeltester) -> None:
    lazy, whole, loader = lazy_and_whole(store, qapp)
    assert len(lazy) == ROWS and lazy.counts() == whole.counts()
    assert lazy.counts()[DE] == len(range(0, ROWS, 11))
    assert cells(lazy) == cells(whole)
    assert cells(lazy, Qt.ItemDataRole.ToolTipRole) == cells(whole, Qt.ItemDataRole.ToolTipRole)
    assert [lazy.scan_at(r) for r in range(ROWS)] == whole.scans()
    assert max(loader.asked) <= PAGE_ROWS  # a page at a time, never the whole queue
    assert len(lazy._rows._pages) <= MAX_PAGES  # and only the last pages are kept
    qtmodeltester.check(lazy)


def test_a_view_reads_only_the_pages_it_shows(store: Store, qtbot) -> None:
    lazy, _, loader = lazy_and_whole(store, qtbot)
    view = QTableView()
    qtbot.addWidget(view)
    view.resize(600, 400)
    proxy = ScanFilterProxy(lazy, view)
    view.setModel(proxy)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: bool(loader.asked))  # painted
    assert sum(loader.asked) <= 2 * PAGE_ROWS
    view.scrollToBottom()
    qtbot.waitUntil(lambda: len(loader.asked) > 1)
    assert sum(loader.asked) <= 4 * PAGE_ROWS  # the bottom's page(s), not the rows in between


def test_a_changed_scan_wins_over_the_stores_page_until_it_is_written(store: Store, qapp) -> None:
    lazy, _, _ = lazy_and_whole(store, qapp)
    sid = lazy.scan_id_at(5)
    before = lazy.get(sid)
    assert before is not None and before.state is TR
    decided = before.with_(state=DE, shortcode="approved", note="mine")
    lazy.update_scan(decided)  # the window's decision, not yet committed
    assert lazy.get(sid) == decided and lazy.state_at(5) is DE
    assert lazy.counts()[DE] == len(range(0, ROWS, 11)) + 1
    assert lazy.data(lazy.index(5, COLUMNS.index("Decision"))) == "approved"


def test_next_and_upcoming_scans_match_the_whole_model(store: Store, qapp) -> None:
    lazy, whole, _ = lazy_and_whole(store, qapp)
    ids = [s.scan_id for s in whole.scans()]
    for after in (None, "unknown", ids[0], ids[1], ids[10], ids[11], ids[-1], ids[-12]):
        assert lazy.next_to_review(after) == whole.next_to_review(after)
        assert lazy.upcoming(after, 25) == whole.upcoming(after, 25)
    only = ScanTableModel()  # wrapping around to the single scan left
    only.set_scans([Scan("a", state=DE), Scan("b"), Scan("c", state=SE)])
    assert only.next_to_review("b") is None and only.next_to_review("c") == "b"
    assert only.upcoming("c", 5) == ["b"]


@pytest.mark.parametrize(
    ("state", "typed"),
    [(None, ""), (None, "scan-1"), (None, "SCAN-"), (DE, ""), (TR, "a"), (DE, "-3"), (FA, ""), (None, "zz")],
)
def test_filters_give_the_same_rows_as_the_whole_model(store: Store, qapp, state, typed) -> None:
    lazy, whole, _ = lazy_and_whole(store, qapp)
    lazy_proxy, whole_proxy = ScanFilterProxy(lazy), ScanFilterProxy(whole)
    for proxy in (lazy_proxy, whole_proxy):
        proxy.set_filter(state=state)
        for n in range(1, len(typed) + 1):  # typed a letter at a time: the narrowing path
            proxy.set_filter(search=typed[:n])
    expected = [
        r
        for r, scan in enumerate(whole.scans())
        if (state is None or scan.state is state) and typed.lower() in scan.scan_id.lower()
    ]
    assert lazy_proxy.source_rows() == whole_proxy.source_rows() == expected
    assert cells(lazy_proxy) == cells(whole_proxy)


def test_rows_added_unfiltered_stay_visible_and_a_decided_row_leaves_a_to_review_filter(qapp) -> None:
    model = ScanTableModel([Scan("a"), Scan("b")])
    proxy = ScanFilterProxy(model)
    model.add_scans([Scan("c"), Scan("d")])
    assert proxy.source_rows() == [0, 1, 2, 3]
    model.update_scan(Scan("b", state=DE, shortcode="approved"))
    assert proxy.rowCount() == 4  # no filter: still shown
    proxy.set_filter(state=TR)
    assert proxy.source_rows() == [0, 2, 3]
    model.update_scan(Scan("c", state=DE, shortcode="approved"))
    assert proxy.source_rows() == [0, 3]
    model.add_scans([Scan("E-5")])
    proxy.set_filter(search="e")
    assert proxy.source_rows() == [4]
    assert proxy.data(proxy.index(0, 0), SCAN_ROLE) == Scan("E-5")


def test_lazy_rows_added_by_an_import_are_read_from_the_store(store: Store, qapp) -> None:
    lazy, _, _ = lazy_and_whole(store, qapp)
    new = [Scan("Late-1", {"bin": "522222"}), Scan("late-2")]
    store.add_scans(new)  # what the controller does first
    assert lazy.add_scans(new) == (2, 0)
    assert lazy.get("Late-1") == Scan("Late-1", {"bin": "522222"})
    assert lazy.row_of("late-2") == ROWS + 1
    proxy = ScanFilterProxy(lazy)
    proxy.set_filter(search="LATE")
    assert proxy.source_rows() == [ROWS, ROWS + 1]  # the lowered ids grew with the rows


def test_an_unreadable_page_shows_the_id_and_state_and_is_read_again(store: Store, qapp) -> None:
    answers: list[bool] = [False]

    def flaky(ids: Sequence[str]) -> dict[str, Scan]:
        return QueuePages(store.path).scans(ids) if answers[0] else {}

    lazy = ScanTableModel()
    lazy.set_columns(store.queue_columns(), flaky)
    sid = lazy.scan_id_at(0)
    assert lazy.scan_at(0) == Scan(sid, state=DE)  # the store did not answer: what the columns know
    answers[0] = True
    assert lazy.scan_at(0).note == "note 0"  # not cached empty: read again


def test_backspace_and_changes_between_keys_give_the_same_rows_as_the_whole_model(store: Store, qapp) -> None:
    lazy, whole, _ = lazy_and_whole(store, qapp)
    lazy_proxy = ScanFilterProxy(lazy)

    def expected(state: ScanState | None, typed: str) -> list[int]:
        return [
            r
            for r in range(len(lazy))
            if (state is None or lazy.state_at(r) is state) and typed.lower() in lazy.scan_id_at(r).lower()
        ]

    steps: list[tuple[ScanState | None, str]] = [
        (None, "s"), (None, "sc"), (None, "sca"), (None, "sc"), (None, "s"), (TR, "s"), (TR, "sc"),
        (TR, "s"), (None, "s"), (None, ""), (DE, ""), (None, ""), (TR, ""),
    ]  # fmt: skip
    for n, (state, typed) in enumerate(steps):
        lazy_proxy.set_filter(state=state, search=typed)
        assert lazy_proxy.source_rows() == expected(state, typed), (state, typed)
        if n == 6:  # a decision between two keys: what was remembered is out of date
            first = lazy_proxy.source_rows()[0]
            lazy.update_scan(lazy.scan_at(first).with_(state=DE, shortcode="approved"))
            assert lazy_proxy.source_rows() == expected(state, typed)
    every = ScanTableModel([Scan("a"), Scan("b")])
    proxy = ScanFilterProxy(every)
    proxy.set_filter(state=TR)  # every row to review: all of them, then one leaves
    assert proxy.source_rows() == [0, 1]
    every.update_scan(Scan("a", state=DE))
    assert proxy.source_rows() == [1]
    proxy.set_filter(state=SE)
    assert proxy.source_rows() == []


def test_rows_added_to_a_page_already_read_are_read_again(tmp_path: Path, qapp) -> None:
    store = Store(tmp_path / "reviewdesk.db")
    store.add_scans([Scan("a1"), Scan("a2")])
    lazy = ScanTableModel()
    lazy.set_columns(store.queue_columns(), QueuePages(store.path).scans)
    assert lazy.get("a2") == Scan("a2")  # its page (rows 0-199) is read with two rows in it
    new = [Scan("b3", {"bin": "411111"}), Scan("b4")]
    store.add_scans(new)
    lazy.add_scans(new)
    assert lazy.get("b3") == Scan("b3", {"bin": "411111"}) and lazy.get("a1") == Scan("a1")
    store.close()
