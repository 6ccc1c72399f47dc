"""ScanTableModel and ScanFilterProxy: rows, roles, single-row updates, merging, counts, filtering."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QIcon
from PySide6.QtTest import QSignalSpy

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.ui.plain_text import tooltip
from reviewdesk.ui.scan_table import (
    COLUMNS,
    DECISION_COLUMN,
    ID_COLUMN,
    SCAN_ID_ROLE,
    SCAN_ROLE,
    STATE_COLUMN,
    ScanFilterProxy,
    ScanTableModel,
)

TR, DE, SE, FA = ScanState.TO_REVIEW, ScanState.DECIDED, ScanState.SENT, ScanState.FAILED


def queue(*states: ScanState) -> list[Scan]:
    """Scans s0, s1, ... in the given states, with a few facts."""
    return [
        Scan(
            f"s{i}",
            {"bin": "411111", "last4": f"{i:04d}", "cardholder": f"Holder {i}"},
            state,
            shortcode="approved" if state is not TR else None,
            error="400: shortcode refused" if state is FA else None,
        )
        for i, state in enumerate(states)
    ]


def display(model: ScanTableModel | ScanFilterProxy, row: int, column: int) -> object:
    return model.data(model.index(row, column), Qt.ItemDataRole.DisplayRole)


def test_rows_columns_headers_and_roles(qapp, qtmodeltester) -> None:
    model = ScanTableModel(queue(TR, DE, SE, FA))
    qtmodeltester.check(model)

    assert model.rowCount() == 4 and model.columnCount() == 9
    assert [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)] == [
        "Scan id",
        "BIN",
        "Last 4",
        "Expiry",
        "Cardholder",
        "Amount",
        "Merchant ref",
        "State",
        "Decision",
    ]
    assert list(COLUMNS) == [model.headerData(c, Qt.Orientation.Horizontal) for c in range(9)]
    assert [display(model, 1, c) for c in range(9)] == [
        "s1",
        "411111",
        "0001",
        "",
        "Holder 1",
        "",
        "",
        "Decided",
        "approved",
    ]
    state_icon = model.data(model.index(3, STATE_COLUMN), Qt.ItemDataRole.DecorationRole)
    assert isinstance(state_icon, QIcon) and not state_icon.isNull()
    assert model.data(model.index(3, ID_COLUMN), Qt.ItemDataRole.DecorationRole) is None
    tip = model.data(model.index(3, STATE_COLUMN), Qt.ItemDataRole.ToolTipRole)
    assert "Failed: 400: shortcode refused" in tip
    assert "Approved - card looks ok" in model.data(
        model.index(1, DECISION_COLUMN), Qt.ItemDataRole.ToolTipRole
    )
    assert (
        model.data(model.index(3, ID_COLUMN), Qt.ItemDataRole.ToolTipRole)
        == tooltip("s3\nFailed: 400: shortcode refused")  # escaped: outside text is never HTML
    )
    model.update_scan(model.scan_at(0).with_(facts={"amount": "12.50", "currency": "USD"}))
    assert display(model, 0, 5) == "12.50 USD"
    assert model.data(model.index(2, 5), SCAN_ID_ROLE) == "s2"
    assert model.data(model.index(2, 0), SCAN_ROLE) == model.scan_at(2)
    assert model.row_of("s3") == 3 and model.row_of("nope") is None
    assert model.counts() == {TR: 1, DE: 1, SE: 1, FA: 1, ScanState.LOCAL: 0}


def test_update_scan_changes_only_that_row(qtbot) -> None:
    model = ScanTableModel(queue(TR, TR, TR, TR, TR))
    spy = QSignalSpy(model.dataChanged)

    model.update_scan(model.scan_at(3).with_(state=DE, shortcode="denied_fake_card"))

    assert spy.count() == 1
    top_left, bottom_right = spy.at(0)[0], spy.at(0)[1]
    assert (top_left.row(), bottom_right.row()) == (3, 3)
    assert (top_left.column(), bottom_right.column()) == (0, len(COLUMNS) - 1)
    assert display(model, 3, STATE_COLUMN) == "Decided"
    assert display(model, 3, DECISION_COLUMN) == "denied_fake_card"
    assert model.counts() == {TR: 4, DE: 1, SE: 0, FA: 0, ScanState.LOCAL: 0}
    assert model.reviewed_count() == 1
    with pytest.raises(KeyError):
        model.update_scan(Scan("not-queued"))


def test_add_scans_merges_known_ids_and_appends_new_ones(qtbot) -> None:
    model = ScanTableModel(queue(TR, DE))
    changed = QSignalSpy(model.dataChanged)
    with qtbot.waitSignal(model.rowsInserted) as inserted:
        added, merged = model.add_scans(
            [
                Scan("new1", {"bin": "545454"}),
                Scan("s1", {"amount": "9.99", "bin": ""}, TR),  # known: facts merge, state stays
                Scan("new2"),
                Scan("new1", {"last4": "0042"}),  # repeated within the batch
            ]
        )
    assert (added, merged) == (2, 1)
    assert inserted.args[1:] == [2, 3]
    assert changed.count() == 1 and changed.at(0)[0].row() == 1
    assert [s.scan_id for s in model.scans()] == ["s0", "s1", "new1", "new2"]
    assert model.scan_at(1).state is DE
    assert model.scan_at(1).facts == {
        "bin": "411111",
        "last4": "0001",
        "cardholder": "Holder 1",
        "amount": "9.99",
    }
    assert model.scan_at(2).facts == {"bin": "545454", "last4": "0042"}
    assert model.row_of("new2") == 3
    assert model.counts() == {TR: 3, DE: 1, SE: 0, FA: 0, ScanState.LOCAL: 0}


def test_set_scans_resets_and_merges_duplicates(qtbot) -> None:
    model = ScanTableModel(queue(TR, TR))
    with qtbot.waitSignal(model.modelReset):
        model.set_scans([Scan("a", {"bin": "411111"}), Scan("b", state=SE), Scan("a", {"last4": "1234"})])
    assert [s.scan_id for s in model.scans()] == ["a", "b"]
    assert model.scan_at(0).facts == {"bin": "411111", "last4": "1234"}
    assert model.counts() == {TR: 1, DE: 0, SE: 1, FA: 0, ScanState.LOCAL: 0}


def test_next_to_review_wraps_around_and_skips_reviewed_scans() -> None:
    model = ScanTableModel(queue(DE, TR, SE, TR, FA, DE))  # s1 and s3 are to review
    assert model.next_to_review("s1") == "s3"
    assert model.next_to_review("s3") == "s1"  # wraps past the end
    assert model.next_to_review("s4") == "s1"
    assert model.next_to_review(None) == "s1"
    assert model.next_to_review("unknown") == "s1"
    model.update_scan(model.scan_at(3).with_(state=DE))
    assert model.next_to_review("s1") is None  # never the scan itself
    assert model.next_to_review("s0") == "s1"
    model.update_scan(model.scan_at(1).with_(state=DE))
    assert model.next_to_review("s0") is None


def test_upcoming_lists_the_next_scans_to_review_for_prefetch() -> None:
    model = ScanTableModel(queue(TR, DE, TR, TR, SE, TR))
    assert model.upcoming("s2", 2) == ["s3", "s5"]
    assert model.upcoming("s2", 10) == ["s3", "s5", "s0"]  # wraps, without s2 itself, no repeats
    assert model.upcoming(None, 2) == ["s0", "s2"]
    assert model.upcoming("s2", 0) == []


# -- the filter proxy ---------------------------------------------------------------------------------


def visible_ids(proxy: ScanFilterProxy) -> list[str]:
    return [display(proxy, row, ID_COLUMN) for row in range(proxy.rowCount())]  # type: ignore[misc]


def test_proxy_filters_by_state_and_searches_ids_case_insensitively(qtmodeltester) -> None:
    scans = [Scan("Alpha-1", state=TR), Scan("beta-2", state=DE), Scan("ALPHA-3", state=FA), Scan("gamma-4")]
    model = ScanTableModel(scans)
    proxy = ScanFilterProxy(model)
    qtmodeltester.check(proxy)
    assert visible_ids(proxy) == ["Alpha-1", "beta-2", "ALPHA-3", "gamma-4"]

    proxy.set_filter(search="alpha")
    assert visible_ids(proxy) == ["Alpha-1", "ALPHA-3"]
    proxy.set_filter(search="PHA-")  # narrowing or not, the same answer
    assert visible_ids(proxy) == ["Alpha-1", "ALPHA-3"]
    proxy.set_filter(state=FA)
    assert visible_ids(proxy) == ["ALPHA-3"]
    proxy.set_filter(search="")
    assert visible_ids(proxy) == ["ALPHA-3"]
    proxy.set_filter(state=TR)
    assert visible_ids(proxy) == ["Alpha-1", "gamma-4"]
    assert proxy.mapToSource(proxy.index(1, 4)) == model.index(3, 4)
    assert proxy.mapFromSource(model.index(3, 2)) == proxy.index(1, 2)
    assert not proxy.mapFromSource(model.index(1, 0)).isValid()
    proxy.set_filter(state=None, search="  ")
    assert proxy.rowCount() == 4


def test_proxy_follows_state_changes_and_new_rows_under_a_filter(qtbot, qtmodeltester) -> None:
    model = ScanTableModel(queue(TR, TR, TR, DE))
    proxy = ScanFilterProxy(model)
    proxy.set_filter(state=TR)
    qtmodeltester.check(proxy)  # keeps checking the signals below
    assert visible_ids(proxy) == ["s0", "s1", "s2"]

    with qtbot.waitSignal(proxy.rowsRemoved) as removed:
        model.update_scan(model.scan_at(1).with_(state=DE))
    assert removed.args[1:] == [1, 1]
    assert visible_ids(proxy) == ["s0", "s2"]

    with qtbot.waitSignal(proxy.rowsInserted) as inserted:
        model.update_scan(model.scan_at(3).with_(state=TR))  # undone: back in, in queue order
    assert inserted.args[1:] == [2, 2]
    assert visible_ids(proxy) == ["s0", "s2", "s3"]

    with qtbot.waitSignal(proxy.dataChanged) as changed:
        model.update_scan(model.scan_at(2).with_(note="looked twice"))
    assert changed.args[0].row() == changed.args[1].row() == 1

    model.add_scans([Scan("n1"), Scan("n2", state=SE), Scan("n3")])
    assert visible_ids(proxy) == ["s0", "s2", "s3", "n1", "n3"]
    proxy.set_filter(search="n")
    model.add_scans([Scan("x9"), Scan("n4")])
    assert visible_ids(proxy) == ["n1", "n3", "n4"]

    model.set_scans(queue(TR, DE, TR))
    assert visible_ids(proxy) == []  # "n" matches none of s0, s1, s2
    proxy.set_filter(search="")
    assert visible_ids(proxy) == ["s0", "s2"]


def test_proxy_data_and_headers_pass_through(qtbot) -> None:
    model = ScanTableModel(queue(TR, FA))
    proxy = ScanFilterProxy(model)
    proxy.set_filter(state=FA)
    assert proxy.headerData(STATE_COLUMN, Qt.Orientation.Horizontal) == "State"
    assert proxy.headerData(0, Qt.Orientation.Vertical) == "2"  # the queue position
    assert proxy.data(proxy.index(0, STATE_COLUMN), Qt.ItemDataRole.ToolTipRole) == tooltip(
        "Failed: 400: shortcode refused"
    )
    assert proxy.data(proxy.index(5, 0)) is None
    assert not proxy.index(0, 0, proxy.index(0, 0)).isValid()
    assert proxy.parent(proxy.index(0, 0)) == QModelIndex()


def test_the_proxy_gives_every_cell_the_source_models_flags_without_mapping(qapp) -> None:
    model = ScanTableModel(queue(TR, DE, SE, FA, TR))
    proxy = ScanFilterProxy(model)
    proxy.set_filter(state=TR)
    mapped = []
    original = proxy.mapToSource
    proxy.mapToSource = lambda index: (mapped.append(index), original(index))[1]  # type: ignore[method-assign]
    for row in range(proxy.rowCount()):
        for column in range(proxy.columnCount()):
            source = model.index(proxy._rows[row], column)
            assert proxy.flags(proxy.index(row, column)) == model.flags(source)
    assert proxy.flags(QModelIndex()) == Qt.ItemFlag.NoItemFlags
    assert mapped == []  # flags() is asked for every painted cell: no Python mapToSource per cell
