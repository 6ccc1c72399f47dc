"""ReviewController's queue paths at size: an import in chunks, a restart from the store's columns."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer

from reviewdesk.app import Built, build, close
from reviewdesk.domain import importer
from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.domain.share import take_share
from reviewdesk.paths import resolve_paths
from reviewdesk.store import Store
from reviewdesk.ui import controller as controller_module
from support.window import run_on_loop

WAIT = 20_000


def open_desk(qtbot, data: Path) -> Built:
    args = argparse.Namespace(data_dir=str(data), base_url=None, demo=False, files=[], screenshot=None)
    built = run_on_loop(qtbot, build(args))
    built.controller.dismiss_sign_in()
    return built


def shut(qtbot, built: Built) -> None:
    run_on_loop(qtbot, close(built))
    built.window.allow_close()
    built.window.close()
    built.window.deleteLater()


@pytest.fixture
def desk(qtbot, qloop, tmp_path) -> Iterator[Built]:
    built = open_desk(qtbot, tmp_path / "data")
    yield built
    shut(qtbot, built)


def test_an_import_goes_in_chunks_in_order_and_loses_nothing(qtbot, desk, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(controller_module, "IMPORT_CHUNK", 1000)
    ids = [f"scan-{(n * 7919) % 2500:05d}-{n}" for n in range(2500)]  # file order is not id order
    path = tmp_path / "queue.csv"
    path.write_text("scanId,bin\n" + "".join(f"{i},{400000 + n}\n" for n, i in enumerate(ids)))
    model, controller = desk.window.scan_list.model, desk.controller
    seen: list[tuple[int, str | None]] = []  # (rows, current scan) at each table update
    model.rowsInserted.connect(lambda *_: seen.append((len(model), controller.current)))
    controller.import_files([path])
    qtbot.waitUntil(lambda: len(model) == 2500 and not controller._tasks, timeout=WAIT)
    assert [rows for rows, _ in seen] == [1000, 2000, 2500]  # the table grew chunk by chunk
    assert seen[1][1] == ids[0]  # the first scan was shown before the import ended
    assert [model.scan_id_at(r) for r in range(2500)] == ids
    assert model.get(ids[1234]) == Scan(ids[1234], {"bin": "401234"})
    stored = run_on_loop(qtbot, desk.services.load_queue())[0]
    assert [s.scan_id for s in stored] == ids
    assert "Queued 2500 new scans, 0 already there" in desk.window.status.bar.currentMessage()


def test_an_import_chunk_goes_into_the_table_in_parts_with_the_loop_turning_between(
    qtbot, desk, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(controller_module, "IMPORT_CHUNK", 1000)
    monkeypatch.setattr(controller_module, "SHOW_CHUNK", 400)
    ids = [f"scan-{(n * 7919) % 2500:05d}-{n}" for n in range(2500)]
    path = tmp_path / "queue.csv"
    path.write_text("scanId\n" + "".join(f"{i}\n" for i in ids))
    model, controller = desk.window.scan_list.model, desk.controller
    turns = [0]
    ticker = QTimer()
    ticker.setInterval(0)
    ticker.timeout.connect(lambda: turns.__setitem__(0, turns[0] + 1))
    seen: list[tuple[int, int]] = []  # (rows, loop turns so far) at each table update
    model.rowsInserted.connect(lambda *_: seen.append((len(model), turns[0])))
    ticker.start()
    try:
        controller.import_files([path])
        qtbot.waitUntil(lambda: len(model) == 2500 and not controller._tasks, timeout=WAIT)
    finally:
        ticker.stop()
    assert [rows for rows, _ in seen] == [400, 800, 1000, 1400, 1800, 2000, 2400, 2500]
    assert all(b[1] > a[1] for a, b in zip(seen, seen[1:], strict=False))  # the loop ran between parts
    assert [model.scan_id_at(r) for r in range(2500)] == ids


def test_a_big_file_is_imported_in_parts_as_if_whole(qtbot, desk, tmp_path, monkeypatch) -> None:
    # parse_file_parts: a big CSV is parsed and queued a part at a time (its memory bounded,
    # docs/PERFORMANCE.md); the queue, the counts and the summary are those of the file whole.
    monkeypatch.setattr(importer, "PART_ROWS", 100)
    monkeypatch.setattr(importer, "SPLIT_ABOVE", 500)
    monkeypatch.setattr(controller_module, "IMPORT_CHUNK", 60)
    lines = ["scanId,bin,last4"]
    for n in range(1000):
        bin_ = "12" if n % 211 == 0 else f"{400000 + n}"  # bad BINs: reported by their lines
        last4 = f"{n % 10000:04d}" if n < 700 else ""  # a repeat fills in, never blanks a fact
        lines.append(f"scan-{n % 700:04d},{bin_},{last4}")  # 300 ids again, in later parts
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("scanId\nscan-0005\nscan-0690\nother-1\n", encoding="utf-8")
    model, controller = desk.window.scan_list.model, desk.controller
    controller.import_files([earlier])
    qtbot.waitUntil(lambda: len(model) == 3 and not controller._tasks, timeout=WAIT)
    sizes: list[int] = []
    model.rowsInserted.connect(lambda *_: sizes.append(len(model)))
    whole = importer.parse_file(path)
    assert len(list(importer.parse_file_parts(path))) == 10 and whole.duplicates == 300

    controller.import_files([path])
    qtbot.waitUntil(lambda: len(model) == 3 + 698 and not controller._tasks, timeout=WAIT)
    assert len(sizes) > 10  # part by part, chunk by chunk
    stored = {s.scan_id: s for s in run_on_loop(qtbot, desk.services.load_queue())[0]}
    for scan in whole.scans:
        assert stored[scan.scan_id].facts == scan.facts, scan.scan_id
    assert [model.scan_id_at(r) for r in range(len(model))] == [
        "scan-0005",
        "scan-0690",
        "other-1",
        *(s.scan_id for s in whole.scans if s.scan_id not in ("scan-0005", "scan-0690")),
    ]
    message = desk.window.status.bar.currentMessage()
    assert f"Queued 698 new scans, 2 already there. {whole.summary()}" in message
    assert whole.summary().startswith("Imported 700 scans, 300 duplicates merged, 5 bad rows: line 2: ")
    assert desk.window.scan_list.summary_label.full_text() == whole.summary()


def test_a_big_file_in_parts_with_a_share_is_the_share_of_the_file_whole(
    qtbot, desk, tmp_path, monkeypatch
) -> None:
    # A team file split by shares (File > Import a share): each part's share is queued; the
    # counts and the summary are those of the share of the file whole.
    monkeypatch.setattr(importer, "PART_ROWS", 100)
    monkeypatch.setattr(importer, "SPLIT_ABOVE", 500)
    monkeypatch.setattr(controller_module, "IMPORT_CHUNK", 60)
    lines = ["scanId,bin"] + [f"scan-{n % 700:04d},{400000 + n % 700}" for n in range(1000)]
    path = tmp_path / "team.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    desk.controller.record.share = (2, 3)
    mine = take_share(importer.parse_file(path), 2, 3)
    assert 150 < len(mine.scans) < 350 and mine.duplicates == 300

    desk.controller.import_files([path])
    model = desk.window.scan_list.model
    qtbot.waitUntil(lambda: len(model) == len(mine.scans) and not desk.controller._tasks, timeout=WAIT)
    assert [model.scan_id_at(r) for r in range(len(model))] == [s.scan_id for s in mine.scans]
    message = desk.window.status.bar.currentMessage()
    assert f"Queued {len(mine.scans)} new scans, 0 already there (share 2/3). {mine.summary()}" in message
    audit = run_on_loop(qtbot, desk.services.store.run(Store.audit_records))
    (imported,) = [e for e in audit if e.action == "import"]
    assert imported.detail["scans"] == len(mine.scans) and imported.detail["share"] == "2/3"


def test_a_restart_reads_the_queue_as_columns_and_the_scans_by_page(qtbot, qloop, tmp_path) -> None:
    data = tmp_path / "data"
    paths = resolve_paths(str(data))
    paths.ensure()
    store = Store(paths.database)
    store.add_scans([Scan(f"s{n}", {"last4": f"{n:04d}"}) for n in range(3000)])
    store.record_decision("s0", "approved", {})
    store.record_decision("s1", "approved", {})
    store.set_position("s2000")
    store.close()
    built = open_desk(qtbot, data)
    try:
        model = built.window.scan_list.model
        assert len(model) == 3000 and model.counts()[ScanState.DECIDED] == 2
        assert built.controller.current == "s2000"  # where the reviewer was
        assert model._rows.loader is not None and len(model._rows.held) == 0  # nothing held whole
        assert model.get("s2999") == Scan("s2999", {"last4": "2999"})
    finally:
        shut(qtbot, built)


def test_prefetch_turned_back_on_fetches_the_next_scans_at_once(qtbot, qloop, tmp_path) -> None:
    from reviewdesk.sim.config import SimConfig
    from reviewdesk.sim.runner import SimServer
    from support.window import queue, sign_in

    with SimServer(SimConfig(seed=5)) as sim:
        args = argparse.Namespace(
            data_dir=str(tmp_path / "data"), base_url=sim.base_url, demo=False, files=[], screenshot=None
        )
        built = run_on_loop(qtbot, build(args))
        try:
            sign_in(qtbot, built, sim.mint_token("ines"))
            ids = [f"ready-t{i}" for i in range(8)]
            built.window.prefetch_action.setChecked(False)
            queue(qtbot, built, ids)
            qtbot.waitUntil(lambda: built.controller.current == ids[0], timeout=WAIT)
            images = built.controller.images
            assert images.pending() <= {ids[0]}  # prefetch off: the scan shown only
            built.window.prefetch_action.setChecked(True)
            assert set(ids[1:4]) <= images.pending() | {i for i in ids if images.cached(i) is not None}
        finally:
            shut(qtbot, built)
