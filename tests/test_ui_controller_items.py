"""Items of every source in one window (ui/controller_items.py, ui/image_service.py, ui/image_strip.py,
ui/details_tree.py): a mixed queue of Dyneti scans, Jumio transactions and Preventor tickets,
reviewed with real key presses sent to whatever has the keyboard, against the simulator on loopback."""

from __future__ import annotations

from PySide6.QtCore import QKeyCombination
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication

from reviewdesk.domain.jumio_schedule import SCHEDULE
from reviewdesk.sources.jumio import JumioSource
from reviewdesk.store import Store
from reviewdesk.ui.image_strip import ONE_AT_A_TIME, SIDE_BY_SIDE
from support.jumio import add_sources
from support.window import WAIT, activate, queue, run_on_loop, sign_in, wait_image
from support.window import desk as desk  # noqa: F401  (the fixture)
from support.window import sim as sim  # noqa: F401  (the fixture)

PORTABLE = QKeySequence.SequenceFormat.PortableText


class Clock:
    def __init__(self) -> None:
        self.now = 2_000_000_000.0

    def __call__(self) -> float:
        return self.now


def type_keys(qtbot, keys: str) -> None:
    """Press `keys` wherever the keyboard is, one stroke at a time."""
    sequence = QKeySequence.fromString(keys, PORTABLE)
    for i in range(sequence.count()):
        combo: QKeyCombination = sequence[i]
        target = QApplication.focusWidget()
        assert target is not None, "no widget has the keyboard"
        qtbot.keyClick(target, combo.key(), combo.keyboardModifiers())


def start(qtbot, desk, sim, ids: list[str], **kw) -> JumioSource:
    jumio = add_sources(desk, sim, **kw)
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ids)
    activate(qtbot, desk.window)
    desk.window.focus_review()
    return jumio


def go_to(qtbot, desk, item: str) -> None:
    desk.controller.show_scan(item)
    qtbot.waitUntil(lambda: desk.controller.current == item, timeout=WAIT)


def wait_images(qtbot, desk, keys: list[str]) -> None:
    strip = desk.window.item_images
    qtbot.waitUntil(lambda: all(strip.has_image(k) for k in keys), timeout=WAIT)


def labels(tree) -> list[str]:
    found: list[str] = []
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        item = stack.pop(0)
        found.append(f"{item.text(0)}={item.text(1)}")
        stack.extend(item.child(i) for i in range(item.childCount()))
    return found


def test_a_mixed_queue_is_reviewed_by_keyboard_and_images_switch_by_key(qtbot, desk, sim) -> None:
    ids = ["ready-mix1", "jumio:done-id-mix2", "preventor:TCK-mix3", "ready-mix4"]
    start(qtbot, desk, sim, ids)
    w = desk.window
    wait_image(qtbot, desk, ids[0])
    assert QApplication.focusWidget() is w.image_view and w.viewer.currentWidget() is w.image_view

    type_keys(qtbot, "J")  # next: the Jumio transaction, its images over its details
    qtbot.waitUntil(lambda: desk.controller.current == ids[1], timeout=WAIT)
    assert w.viewer.currentWidget() is w.item_view
    assert QApplication.focusWidget() is w.item_images  # the keyboard followed
    strip = w.item_images
    wait_images(qtbot, desk, ["front", "back", "face"])
    assert strip.main_keys() == ["front", "back", "face"] and strip.mode == SIDE_BY_SIDE
    assert "Jumio transaction done-id-mix2" in w.facts.text()
    qtbot.waitUntil(lambda: "DONE" in w.item_details.summary.text(), timeout=WAIT)
    tree = labels(w.item_details.tree)
    assert "Status=DONE" in tree and "Document=" in tree and "Transaction=" in tree
    assert any(t.startswith("Similarity=") for t in tree) and any(t.startswith("Validity=") for t in tree)

    type_keys(qtbot, "G")  # one at a time
    assert strip.mode == ONE_AT_A_TIME and strip.current_key() == "front"
    type_keys(qtbot, "]")
    assert strip.current_key() == "back"
    type_keys(qtbot, "[")
    assert strip.current_key() == "front"
    type_keys(qtbot, "G")
    assert strip.mode == SIDE_BY_SIDE
    type_keys(qtbot, "V")  # the widget's own key does nothing here: only the keymap's
    assert strip.mode == SIDE_BY_SIDE

    type_keys(qtbot, "J")  # the Preventor ticket: the document beside the selfie, then the others
    qtbot.waitUntil(lambda: desk.controller.current == ids[2], timeout=WAIT)
    qtbot.waitUntil(lambda: strip.keys() != [], timeout=WAIT)
    assert strip.current_group() == "main"
    assert [k.split("-")[0] for k in strip.main_keys()] == ["DOCUMENT", "SELF_PORTRAITS"]
    wait_images(qtbot, desk, strip.main_keys())
    groups = strip.groups()
    assert groups[:4] == ["main", "portrait", "ghost_portrait", "signature"]
    assert strip.hint().startswith(f"1 of {len(groups)} · ] / [")  # where, and which keys move
    type_keys(qtbot, "]")  # a key cycles through them
    assert strip.current_group() == "portrait" and strip.hint().startswith("2 of")
    type_keys(qtbot, "]")
    assert strip.current_group() == "ghost_portrait"
    qtbot.waitUntil(lambda: len(labels(w.item_details.tree)) > 3, timeout=WAIT)

    type_keys(qtbot, "J")  # and back to a Dyneti scan, in its own view, keys on its image
    wait_image(qtbot, desk, ids[3])
    assert w.viewer.currentWidget() is w.image_view and QApplication.focusWidget() is w.image_view
    type_keys(qtbot, "K")
    qtbot.waitUntil(lambda: desk.controller.current == ids[2], timeout=WAIT)
    assert QApplication.focusWidget() is w.item_images


def test_the_next_items_images_are_prefetched_whatever_their_source(qtbot, desk, sim) -> None:
    ids = ["ready-pf1", "jumio:liveness-pf2", "ready-pf3"]
    start(qtbot, desk, sim, ids)
    images = desk.controller.images
    wait_image(qtbot, desk, ids[0])
    keys = ["front", "face", *(f"liveness-{n}" for n in range(1, 8))]
    qtbot.waitUntil(lambda: all(images.cached(ids[1], k) is not None for k in keys), timeout=WAIT)
    before = len(sim.requests_log())
    go_to(qtbot, desk, ids[1])  # painted from memory: every image at once, no request
    strip = desk.window.item_images
    assert all(strip.has_image(k) for k in keys)
    assert strip.filmstrip_keys() == [f"liveness-{n}" for n in range(1, 8)]  # in number order
    assert len(sim.requests_log()) == before


def test_a_pending_item_says_when_it_is_polled_next_and_shows_itself_once_done(qtbot, desk, sim) -> None:
    sim.config.jumio_pending_polls = 1
    clock = Clock()
    ids = ["jumio:pending-1-wait", "ready-pw2"]
    start(qtbot, desk, sim, ids, clock=clock)
    w, controller = desk.window, desk.controller
    go_to(qtbot, desk, ids[0])
    qtbot.waitUntil(lambda: "PENDING" in w.item_details.summary.text(), timeout=WAIT)
    tree = labels(w.item_details.tree)
    assert "Status=PENDING" in tree
    assert any(t.startswith("Next status request=next poll in 20 s") for t in tree), tree
    note = w.scan_list.model.note(ids[0])
    assert note.startswith("PENDING · next poll in 20 s"), note
    qtbot.waitUntil(lambda: "still PENDING" in w.item_images.placeholder(), timeout=WAIT)
    clock.now += SCHEDULE[1] - SCHEDULE[0]  # the second try is due
    controller.poll_items()
    qtbot.waitUntil(lambda: "DONE" in w.item_details.summary.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: w.scan_list.model.note(ids[0]) == "DONE", timeout=WAIT)
    wait_images(qtbot, desk, ["front"])


def test_bad_answers_each_give_a_message_in_the_pane_and_the_queue_goes_on(qtbot, desk, sim) -> None:
    ids = ["jumio:otherhost-b1", "jumio:huge-b2", "jumio:broken-b3", "jumio:weird-b4", "ready-b5"]
    start(qtbot, desk, sim, ids)
    w = desk.window
    strip = w.item_images

    go_to(qtbot, desk, ids[0])
    qtbot.waitUntil(lambda: "host" in strip.message("front"), timeout=WAIT)
    go_to(qtbot, desk, ids[1])
    qtbot.waitUntil(lambda: "megapixels" in strip.message("front"), timeout=WAIT)
    go_to(qtbot, desk, ids[2])
    qtbot.waitUntil(lambda: "damaged" in strip.message("front"), timeout=WAIT)
    qtbot.waitUntil(lambda: strip.has_image("face"), timeout=WAIT)  # the item's other images still load
    go_to(qtbot, desk, ids[3])
    qtbot.waitUntil(lambda: "status" in w.item_details.summary.text().lower(), timeout=WAIT)
    go_to(qtbot, desk, ids[4])
    wait_image(qtbot, desk, ids[4])  # and the rest of the queue goes on


def test_a_refused_jumio_credential_and_an_unknown_ticket_are_said_in_the_pane(qtbot, desk, sim) -> None:
    ids = ["jumio:done-passport-r1", "preventor:missing-r2", "ready-r3"]
    start(qtbot, desk, sim, ids, jumio_secret="wrong-secret")
    w = desk.window
    go_to(qtbot, desk, ids[0])
    qtbot.waitUntil(
        lambda: "401" in w.item_details.summary.text() or "not accepted" in w.item_details.summary.text(),
        timeout=WAIT,
    )
    qtbot.waitUntil(
        lambda: w.item_images.placeholder() != "" and "Loading" not in w.item_images.placeholder(),
        timeout=WAIT,
    )
    assert desk.controller._sign_in is None  # a Jumio 401 does not ask for the Dyneti sign-in
    go_to(qtbot, desk, ids[1])
    qtbot.waitUntil(lambda: "not found" in w.item_details.summary.text().lower(), timeout=WAIT)
    go_to(qtbot, desk, ids[2])
    wait_image(qtbot, desk, ids[2])


def test_an_item_of_a_source_not_configured_says_so(qtbot, desk, sim) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    queue(qtbot, desk, ["jumio:done-id-nc1", "ready-nc2"])
    go_to(qtbot, desk, "jumio:done-id-nc1")
    w = desk.window
    qtbot.waitUntil(lambda: "not configured" in w.item_details.summary.text(), timeout=WAIT)
    qtbot.waitUntil(lambda: "not configured" in w.item_images.placeholder(), timeout=WAIT)


def test_a_queue_file_names_items_of_every_source(qtbot, desk, sim, tmp_path) -> None:
    add_sources(desk, sim)
    sign_in(qtbot, desk, sim.mint_token("kim"))
    path = tmp_path / "mixed.csv"
    path.write_text(
        "scanId,bin\nready-f1,411111\njumio:done-passport-f2,\njumio:document:dv-cc-f3,\npreventor:TCK-f4,\n"
    )
    desk.controller.import_files([path])
    model = desk.window.scan_list.model
    ids = ["ready-f1", "jumio:done-passport-f2", "jumio:document:dv-cc-f3", "preventor:TCK-f4"]
    qtbot.waitUntil(lambda: all(model.get(i) for i in ids), timeout=WAIT)
    sources = desk.services.sources
    assert [sources.label_of(i) for i in ids] == ["Dyneti", "Jumio", "Jumio", "Preventor"]
    stored = run_on_loop(qtbot, desk.services.store.run(Store.get_scan, "jumio:document:dv-cc-f3"))
    assert stored is not None and stored.scan_id == "jumio:document:dv-cc-f3"  # the key, unchanged
    # The list says what the source says of an item it polls.
    qtbot.waitUntil(lambda: model.note("jumio:done-passport-f2") == "DONE", timeout=WAIT)
    go_to(qtbot, desk, "jumio:document:dv-cc-f3")
    qtbot.waitUntil(lambda: desk.window.item_images.keys() != [], timeout=WAIT)
    assert desk.window.item_images.current_group() == "pages"
