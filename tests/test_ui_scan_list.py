"""ScanListPane: filtering with real key presses, counts and progress, picking scans, drops, imports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog

from reviewdesk.domain.importer import ImportResult
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.ui import scan_table
from reviewdesk.ui.scan_list import SEARCH_PLACEHOLDER, ScanListPane, counts_text
from reviewdesk.ui.scan_table import ID_COLUMN, STATE_COLUMN

TR, DE, SE, FA = ScanState.TO_REVIEW, ScanState.DECIDED, ScanState.SENT, ScanState.FAILED


def demo_scans(n: int = 50, seed: int = 7) -> list[Scan]:
    """n scans in assorted states, with realistic facts (names with accents, long decisions)."""
    rnd = random.Random(seed)
    names = [
        "Jane Q Public",
        "Marta Kowalska",
        "José Álvarez-Núñez",
        "Aoife O'Brien",
        "Kwame Mensah",
        "Sven Ødegaard",
    ]
    codes = ["approved", "denied_bin_mismatch", "denied_screen_display", "no_action_poor_image_quality"]
    scans = []
    for i in range(n):
        state = (TR, TR, TR, DE, SE, SE, FA)[i % 7]
        facts = {
            "bin": rnd.choice(["411111", "545454", "37828224"]),
            "last4": f"{rnd.randrange(10000):04d}",
            "expiry": f"{rnd.randrange(1, 13):02d}/{rnd.randrange(26, 31)}",
            "cardholder": rnd.choice(names),
            "amount": f"{rnd.randrange(500, 250000) / 100:.2f}",
            "merchantRef": f"ORD-{rnd.randrange(10**6):06d}",
        }
        scans.append(
            Scan(
                f"scn_{i:03d}_{rnd.randrange(16**6):06x}",
                facts,
                state,
                shortcode=rnd.choice(codes) if state is not TR else None,
                error="400 Bad Request: shortcode not accepted" if state is FA else None,
            )
        )
    return scans


@pytest.fixture
def pane(qtbot) -> ScanListPane:
    widget = ScanListPane()
    qtbot.addWidget(widget)
    widget.resize(700, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def visible_ids(pane: ScanListPane) -> list[str]:
    proxy = pane.proxy
    return [proxy.index(row, ID_COLUMN).data() for row in range(proxy.rowCount())]


def click_row(qtbot, pane: ScanListPane, row: int) -> None:
    rect = pane.view.visualRect(pane.proxy.index(row, ID_COLUMN))
    qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


# -- queue, counts, progress --------------------------------------------------------------------------


def test_counts_and_progress_follow_the_queue(qtbot, pane: ScanListPane) -> None:
    def shows(progress: str) -> None:
        qtbot.waitUntil(lambda: pane.progress_bar.text() == progress, timeout=2000)

    assert pane.progress_bar.text() == "No scans yet"
    scans = [
        Scan(f"s{i}", state=state) for i, state in enumerate([TR] * 83 + [DE] * 20 + [SE] * 15 + [FA] * 2)
    ]
    pane.set_scans(scans)
    assert pane.view.model().rowCount() == 120
    shows("37 of 120 reviewed")
    assert pane.counts_label.text() == "To review 83 · Decided 20 · Sent 15 · Failed 2"

    pane.update_scan(scans[0].with_(state=DE, shortcode="approved"))
    shows("38 of 120 reviewed")
    pane.add_scans([Scan("new-1"), Scan("s5", {"bin": "411111"})])
    shows("38 of 121 reviewed")
    assert pane.counts_label.text() == counts_text({TR: 83, DE: 21, SE: 15, FA: 2})


def test_a_burst_of_row_updates_refreshes_the_counts_once_outside_the_update(
    qtbot, pane: ScanListPane
) -> None:
    # QProgressBar.setValue repaints synchronously (every dirty widget of the window with it), so
    # the refresh must not run inside the caller, e.g. a decision keystroke: it follows, once.
    scans = [Scan(f"s{i}") for i in range(10)]
    pane.set_scans(scans)
    qtbot.waitUntil(lambda: pane.progress_bar.text() == "0 of 10 reviewed", timeout=2000)
    calls = []
    original = pane.refresh_status_now
    pane._status_timer.timeout.disconnect()
    pane._status_timer.timeout.connect(lambda: (calls.append(1), original()))
    for scan in scans[:6]:
        pane.update_scan(scan.with_(state=DE, shortcode="approved"))
    assert pane.progress_bar.text() == "0 of 10 reviewed" and calls == []
    qtbot.waitUntil(lambda: pane.progress_bar.text() == "6 of 10 reviewed", timeout=2000)
    assert not pane._status_timer.isActive()  # no second refresh is due
    assert calls == [1]


def test_search_with_real_key_presses(qtbot, pane: ScanListPane) -> None:
    pane.set_scans([Scan("ABC-100"), Scan("abd-200"), Scan("xyz-300"), Scan("Ab-400", state=SE)])
    assert pane.search_box.placeholderText() == SEARCH_PLACEHOLDER == "Search scan id…"
    pane.focus_search()
    qtbot.keyClicks(pane.search_box, "ab")
    assert visible_ids(pane) == ["ABC-100", "abd-200", "Ab-400"]
    qtbot.keyClicks(pane.search_box, "C")
    assert visible_ids(pane) == ["ABC-100"]
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Backspace)
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Backspace)
    assert pane.search_box.text() == "a"
    assert visible_ids(pane) == ["ABC-100", "abd-200", "Ab-400"]
    qtbot.keyClicks(pane.search_box, "zzz")
    assert visible_ids(pane) == []


def _searchable(pane: ScanListPane, monkeypatch) -> list[Scan]:
    """1,000 scans in the pane, searched 40 rows a step (as 1,000,000 are 100,000 a step); the
    search box focused."""
    monkeypatch.setattr(scan_table, "SEARCH_STEP_ROWS", 40)
    states = (TR, TR, DE, SE, FA)
    scans = [Scan(f"Scan-{i:04d}", state=states[i % 5]) for i in range(1000)]
    pane.set_scans(scans)
    pane.focus_search()
    return scans


def test_a_search_over_many_rows_is_made_in_steps_and_shown_when_done(
    qtbot, pane: ScanListPane, monkeypatch
) -> None:
    # Over 1,000,000 rows one keystroke's search held the GUI thread up to 126 ms: a search over
    # more than 2 x SEARCH_STEP_ROWS rows is made a step at a time (docs/PERFORMANCE.md).
    scans = _searchable(pane, monkeypatch)
    proxy, resets = pane.proxy, []
    proxy.modelReset.connect(lambda: resets.append(proxy.rowCount()))
    steps = []
    original = proxy._job_step
    monkeypatch.setattr(proxy, "_job_step", lambda: (steps.append(1), original()))
    proxy._job_timer.timeout.disconnect()
    proxy._job_timer.timeout.connect(proxy._job_step)

    qtbot.keyClicks(pane.search_box, "7")
    assert proxy.searching and proxy.rowCount() == 1000  # the rows of before, until it is done
    qtbot.keyClicks(pane.search_box, "3")  # typed before the first search was done: it is dropped
    qtbot.waitUntil(lambda: not proxy.searching, timeout=5000)
    expected = [s.scan_id for s in scans if "73" in s.scan_id]
    assert visible_ids(pane) == expected and resets == [len(expected)]
    assert len(steps) >= 1000 // 40  # (narrowing "7" to "73" would be fewer: "7" was never done)

    qtbot.keyClick(pane.search_box, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: not proxy.searching, timeout=5000)
    assert visible_ids(pane) == [s.scan_id for s in scans if "7" in s.scan_id]
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Backspace)  # everything: at once
    assert not proxy.searching and proxy.rowCount() == 1000

    pane.set_state_filter(DE)
    qtbot.keyClicks(pane.search_box, "scan-01")  # capitals in the ids: the search ignores case
    qtbot.waitUntil(lambda: not proxy.searching, timeout=5000)
    assert visible_ids(pane) == [s.scan_id for s in scans if s.state is DE and "Scan-01" in s.scan_id]


def test_rows_that_come_or_change_during_a_stepped_search_are_held_to_it(
    qtbot, pane: ScanListPane, monkeypatch
) -> None:
    # Rows added (an import) or changed (a decision) while a search is being made do not finish it
    # at once (that was the stall again): the new rows are searched after, the changed ones held
    # to it again when it is done.
    scans = _searchable(pane, monkeypatch)
    proxy = pane.proxy
    pane.set_state_filter(TR)
    qtbot.keyClicks(pane.search_box, "9")
    assert proxy.searching
    for _ in range(5):  # (by hand, so that it has passed the first rows: 200 of 1,000)
        proxy._job_step()
    assert proxy.searching
    passed = next(s for s in scans if s.state is TR and "9" in s.scan_id)  # Scan-0009: row 9
    coming = next(s for s in reversed(scans) if s.state is DE and "9" in s.scan_id)  # not reached
    pane.update_scan(passed.with_(state=DE, shortcode="approved"))  # out of the filter
    pane.update_scan(coming.with_(state=TR, shortcode=None))  # into it
    pane.add_scans([Scan("new-9"), Scan("new-1")])
    assert proxy.searching and proxy.rowCount() == 1000 * 2 // 5  # still the rows of "To review"
    qtbot.waitUntil(lambda: not proxy.searching, timeout=5000)
    now = {s.scan_id: s.state for s in scans} | {passed.scan_id: DE, coming.scan_id: TR}
    expected = [i for i, st in now.items() if st is TR and "9" in i] + ["new-9"]
    assert visible_ids(pane) == expected and passed.scan_id not in expected

    pane.set_state_filter(None)
    qtbot.keyClick(pane.search_box, Qt.Key.Key_Backspace)
    qtbot.keyClicks(pane.search_box, "5")
    assert proxy.searching
    with qtbot.waitSignal(pane.scan_activated, timeout=5000) as picked:
        qtbot.keyClick(pane.search_box, Qt.Key.Key_Return)  # Enter: the first match of "5", at once
    assert picked.args == [next(s.scan_id for s in scans if "5" in s.scan_id)]
    assert not proxy.searching
    pane.focus_search()  # (the search box's text selected: typing replaces it)
    qtbot.keyClicks(pane.search_box, "58")
    assert proxy.searching
    with qtbot.waitSignal(pane.scan_activated, timeout=5000) as picked:
        qtbot.keyClick(pane.search_box, Qt.Key.Key_Down)  # Down: the same
    assert picked.args == [next(s.scan_id for s in scans if "58" in s.scan_id)]


def test_facts_merged_far_apart_do_not_make_the_filter_look_through_the_span(
    qtbot, pane: ScanListPane, monkeypatch
) -> None:
    # An id repeated far apart in a big file merges facts into rows at both ends of the queue: one
    # signal for the span, and no row's state changed, so the filter does not look at each row
    # of it (over 1,000,000 rows: ~1.4 s a chunk).
    scans = _searchable(pane, monkeypatch)
    pane.set_state_filter(DE)
    looked: list[int] = []
    original = pane.proxy._accepts
    monkeypatch.setattr(pane.proxy, "_accepts", lambda row: (looked.append(row), original(row))[1])
    shown = visible_ids(pane)
    pane.add_scans([Scan(scans[2].scan_id, {"bin": "411111"}), Scan(scans[997].scan_id, {"bin": "545454"})])
    assert looked == [] and visible_ids(pane) == shown
    assert pane.model.get(scans[997].scan_id).facts == {"bin": "545454"}
    pane.update_scan(scans[2].with_(state=TR))  # a state that changed: that row is looked at
    assert looked == [2] and scans[2].scan_id not in visible_ids(pane)


def test_state_filter_with_the_keyboard_and_with_search(qtbot, pane: ScanListPane) -> None:
    pane.set_scans([Scan("a1"), Scan("a2", state=SE), Scan("b3", state=FA), Scan("a4", state=FA)])
    assert [pane.state_filter.itemText(i) for i in range(pane.state_filter.count())] == [
        "All",
        "To review",
        "Decided",
        "Sent",
        "Failed",
        "Local",  # decided and kept here (Jumio, Preventor items)
    ]
    pane.state_filter.setFocus()
    for _ in range(4):
        qtbot.keyClick(pane.state_filter, Qt.Key.Key_Down)
    assert pane.state_filter.currentText() == "Failed" and pane.filter_state() is FA
    assert visible_ids(pane) == ["b3", "a4"]
    qtbot.keyClicks(pane.search_box, "a")
    assert visible_ids(pane) == ["a4"]
    pane.set_state_filter(None)
    assert visible_ids(pane) == ["a1", "a2", "a4"]
    pane.set_state_filter(SE)
    assert visible_ids(pane) == ["a2"]


# -- picking scans ------------------------------------------------------------------------------------


def test_click_and_arrow_keys_emit_scan_activated(qtbot, pane: ScanListPane) -> None:
    pane.set_scans(demo_scans(10))
    ids = visible_ids(pane)
    with qtbot.waitSignal(pane.scan_activated) as picked:
        click_row(qtbot, pane, 2)
    assert picked.args == [ids[2]]
    with qtbot.waitSignal(pane.scan_activated) as picked:
        qtbot.keyClick(pane.view, Qt.Key.Key_Down)
    assert picked.args == [ids[3]]
    assert pane.current_scan_id() == ids[3]
    with qtbot.assertNotEmitted(pane.scan_activated):  # the scan already shown: nothing new to say
        qtbot.keyClick(pane.view, Qt.Key.Key_Return)
        click_row(qtbot, pane, 3)


def test_enter_or_down_in_the_search_box_picks_the_first_match(qtbot, pane: ScanListPane) -> None:
    pane.set_scans([Scan("a-1"), Scan("b-2"), Scan("b-3")])
    qtbot.keyClicks(pane.search_box, "b")
    with qtbot.waitSignal(pane.scan_activated) as picked:
        qtbot.keyClick(pane.search_box, Qt.Key.Key_Return)
    assert picked.args == ["b-2"]
    assert pane.view.hasFocus()
    with qtbot.waitSignal(pane.scan_activated) as picked:
        qtbot.keyClick(pane.view, Qt.Key.Key_Down)
    assert picked.args == ["b-3"]


def test_select_scrolls_to_the_scan_without_emitting(qtbot, pane: ScanListPane) -> None:
    scans = demo_scans(300)
    pane.set_scans(scans)
    target = scans[250].scan_id
    with qtbot.assertNotEmitted(pane.scan_activated):
        assert pane.select(target)
    index = pane.view.currentIndex()
    assert index.row() == 250 and index.data() == target
    assert pane.view.selectionModel().isRowSelected(250)
    assert pane.view.viewport().rect().intersects(pane.view.visualRect(index))  # scrolled into view
    assert pane.current_scan_id() == target
    assert not pane.select("not-in-the-queue")


def test_selection_survives_filtering_and_returns_when_the_scan_shows_again(
    qtbot, pane: ScanListPane
) -> None:
    pane.set_scans([Scan("a1"), Scan("b2"), Scan("a3", state=SE)])
    pane.select("a3")
    with qtbot.assertNotEmitted(pane.scan_activated):
        qtbot.keyClicks(pane.search_box, "a")
        assert pane.view.currentIndex().data() == "a3"
        pane.set_state_filter(TR)  # hides a3
        assert not pane.view.selectionModel().hasSelection()
        assert not pane.select("a3")
        pane.set_state_filter(None)
    assert pane.view.currentIndex().data() == "a3"
    assert pane.view.selectionModel().isRowSelected(pane.view.currentIndex().row())


def test_deciding_a_scan_under_the_to_review_filter_removes_its_row_quietly(
    qtbot, pane: ScanListPane
) -> None:
    scans = [Scan(f"s{i}") for i in range(5)]
    pane.set_scans(scans)
    pane.set_state_filter(TR)
    click_row(qtbot, pane, 2)
    with qtbot.assertNotEmitted(pane.scan_activated):  # the model moved the selection, not the reviewer
        pane.update_scan(scans[2].with_(state=DE, shortcode="approved"))
    assert visible_ids(pane) == ["s0", "s1", "s3", "s4"]
    assert pane.model.next_to_review("s2") == "s3"
    with qtbot.assertNotEmitted(pane.scan_activated):
        pane.select("s3")
    assert pane.view.currentIndex().data() == "s3"
    qtbot.waitUntil(lambda: pane.progress_bar.text() == "1 of 5 reviewed", timeout=2000)


# -- drag and drop ------------------------------------------------------------------------------------


def mime_with(paths: list[Path] | None = None, text: str | None = None) -> QMimeData:
    mime = QMimeData()
    if paths is not None:
        mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    if text is not None:
        mime.setText(text)
    return mime


def send_drop(pane: ScanListPane, mime: QMimeData) -> tuple[bool, bool, bool]:
    """Real drag-enter, drag-move and drop events sent to the pane: whether each was accepted."""
    rest = (Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    # Drag enter/move take a QPoint, the drop a QPointF (PySide6 6.11; later ones take QPointF).
    events = (
        QDragEnterEvent(QPoint(20, 20), *rest),
        QDragMoveEvent(QPoint(20, 20), *rest),
        QDropEvent(QPointF(20, 20), *rest),
    )
    for event in events:
        QApplication.sendEvent(pane, event)
    return tuple(event.isAccepted() for event in events)  # type: ignore[return-value]


def test_dropping_files_emits_their_paths(qtbot, pane: ScanListPane, tmp_path: Path) -> None:
    csv_file, json_file, png = tmp_path / "queue.csv", tmp_path / "more.JSON", tmp_path / "photo.png"
    with qtbot.waitSignal(pane.files_chosen) as dropped:
        accepted = send_drop(pane, mime_with([csv_file, png, json_file]))
    assert accepted == (True, True, True)
    assert dropped.args == [[csv_file, json_file]]  # only the kinds the importer reads


@pytest.mark.parametrize(
    "mime",
    [lambda p: mime_with(text="scn_1\nscn_2"), lambda p: mime_with([p / "photo.png"]), lambda p: QMimeData()],
    ids=["text", "unsupported file", "empty"],
)
def test_other_drops_are_refused(qtbot, pane: ScanListPane, tmp_path: Path, mime) -> None:
    with qtbot.assertNotEmitted(pane.files_chosen):
        assert send_drop(pane, mime(tmp_path)) == (False, False, False)


# -- importing ----------------------------------------------------------------------------------------


def test_import_button_opens_a_non_modal_file_dialog(qtbot, pane: ScanListPane, tmp_path: Path) -> None:
    path = tmp_path / "queue.csv"
    path.write_text("scanId,bin\nq1,411111\nq2,41\n,411111\nq1,\n", encoding="utf-8")

    qtbot.mouseClick(pane.import_button, Qt.MouseButton.LeftButton)  # returns: no exec()
    dialog = pane.findChild(QFileDialog)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.fileMode() is QFileDialog.FileMode.ExistingFiles
    dialog.setDirectory(str(tmp_path))
    dialog.selectFile(str(path))
    with qtbot.waitSignal(pane.files_chosen) as chosen:
        dialog.accept()
    assert chosen.args == [[path]]  # the window parses them, off the GUI thread
    assert pane.model.rowCount() == 0  # the window decides what to add


def test_paste_dialog_is_non_modal_and_emits_the_parsed_ids(qtbot, pane: ScanListPane) -> None:
    qtbot.mouseClick(pane.paste_button, Qt.MouseButton.LeftButton)
    dialog = next(d for d in pane.findChildren(QDialog) if d.windowTitle() == "Paste scan ids")
    qtbot.waitUntil(dialog.isVisible)
    assert not dialog.isModal()
    assert not dialog.import_button.isEnabled()
    qtbot.keyClicks(dialog.text_edit, "p1, p2")
    qtbot.keyClick(dialog.text_edit, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.text_edit, "p3 p1")
    with qtbot.waitSignal(pane.import_requested) as requested:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result = requested.args[0]
    assert [s.scan_id for s in result.scans] == ["p1", "p2", "p3"]
    assert result.duplicates == 1 and result.source == "pasted text"
    assert not dialog.isVisible()
    assert dialog.text_edit.toPlainText() == ""
    assert pane.summary_label.full_text() == "Imported 3 scans, 1 duplicate merged"


def test_pane_renders_fifty_demo_rows(qtbot, pane: ScanListPane, tmp_path: Path) -> None:
    scans = demo_scans(50)
    pane.set_scans(scans)
    pane.select(scans[3].scan_id)
    pane.show_summary(ImportResult(scans[:48], [], "demo.csv", duplicates=2).summary())
    image = pane.grab()
    assert (image.width(), image.height()) == (700, 600)
    assert image.save(str(tmp_path / "scan_list.png"))
    # State and Decision are shown right after the scan id, whatever the pane's width.
    header = pane.view.horizontalHeader()
    assert header.visualIndex(STATE_COLUMN) == 1
    assert header.sectionViewportPosition(STATE_COLUMN) + header.sectionSize(STATE_COLUMN) < 700
