"""The queue as columns (store thread) and whole scans by the page (GUI thread's own connection)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reviewdesk.domain.scan import Scan, ScanState
from reviewdesk.store import Store
from reviewdesk.store.queue_columns import CODE_STATE, columns_of
from reviewdesk.store.queue_read import QueuePages, read_columns

TR, DE, SE, FA = ScanState.TO_REVIEW, ScanState.DECIDED, ScanState.SENT, ScanState.FAILED


def make_store(tmp_path: Path, ids: list[str]) -> Store:
    store = Store(tmp_path / "reviewdesk.db")
    store.add_scans([Scan(i, {"bin": "411111", "last4": f"{n:04d}"}) for n, i in enumerate(ids)])
    return store


def test_columns_keep_queue_order_states_and_the_index(tmp_path: Path) -> None:
    ids = [f"z-{n}" if n % 2 else f"a-{n}" for n in range(3000)]  # queue order is not id order
    store = make_store(tmp_path, ids)
    store.record_decision("a-10", "approved", {})
    store.record_decision("z-11", "approved", {})
    columns = store.queue_columns()
    assert columns.ids == ids
    assert columns.lower is columns.ids  # all lower-case: one list, not two
    assert columns.index == {i: n for n, i in enumerate(ids)}
    states = [CODE_STATE[c] for c in columns.states]
    assert states == [store.get_scan(i).state for i in ids]  # type: ignore[union-attr]
    assert states.count(DE) == 2
    assert columns.ids_in(DE, FA) == ["a-10", "z-11"]
    store.close()


def test_columns_lower_mixed_case_ids_separately(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["ABC-1", "abc-2", "Straße-3"])
    columns = store.queue_columns()
    assert columns.ids == ["ABC-1", "abc-2", "Straße-3"]
    assert columns.lower == ["abc-1", "abc-2", "straße-3"]
    store.close()


def test_an_empty_queue_has_empty_columns(tmp_path: Path) -> None:
    store = Store(tmp_path / "reviewdesk.db")
    columns = store.queue_columns()
    assert (columns.ids, columns.lower, bytes(columns.states), columns.index) == ([], [], b"", {})
    store.close()


def test_an_id_with_a_line_break_written_by_someone_else_is_still_one_row(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["a", "b"])
    store.close()
    db = sqlite3.connect(tmp_path / "reviewdesk.db")
    db.execute("INSERT INTO scans (scan_id) VALUES ('bad\nid')")
    db.commit()
    db.close()
    store = Store(tmp_path / "reviewdesk.db")
    columns = store.queue_columns()
    assert columns.ids == ["a", "b", "bad\nid"]
    assert bytes(columns.states) == b"000"
    store.close()


def test_columns_of_builds_the_same_as_the_store(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["Q-1", "q-2"])
    read = store.queue_columns()
    built = columns_of(["Q-1", "q-2"], bytearray(b"00"))
    assert (read.ids, read.lower, read.states) == (built.ids, built.lower, built.states)
    assert read.index == built.index
    store.close()


def test_pages_read_whole_scans_by_id_while_the_store_writes(tmp_path: Path) -> None:
    ids = [f"s{n}" for n in range(1200)]  # more ids than one IN (...) list takes
    store = make_store(tmp_path, ids)
    pages = QueuePages(tmp_path / "reviewdesk.db")
    found = pages.scans([*ids, "not-queued"])
    assert sorted(found) == sorted(ids)  # unknown ids are left out
    assert found["s7"] == Scan("s7", {"bin": "411111", "last4": "0007"})
    store.record_decision("s7", "approved", {}, note="ok")
    again = pages.scans(["s7"])["s7"]  # the writer's commit is seen by the next read
    assert (again.state, again.shortcode, again.note) == (DE, "approved", "ok")
    pages.close()
    assert pages.scans(["s7"]) == {}  # closed: nothing, no exception
    store.close()


def test_pages_never_write(tmp_path: Path) -> None:
    store = make_store(tmp_path, ["a"])
    pages = QueuePages(tmp_path / "reviewdesk.db")
    with pytest.raises(sqlite3.OperationalError):
        pages._db.execute("DELETE FROM scans")  # type: ignore[union-attr]
    assert [s.scan_id for s in store.scans()] == ["a"]
    pages.close()
    store.close()


def test_importing_in_chunks_merges_with_every_earlier_chunk(tmp_path: Path) -> None:
    store = Store(tmp_path / "reviewdesk.db")
    first = store.add_scans([Scan(f"s{n}", {"bin": "411111"}) for n in range(1500)])
    second = store.add_scans([Scan("s1499", {"last4": "1234"}), Scan("s3", {}), Scan("new", {})])
    assert (first.added, first.merged) == (1500, 0)
    assert (second.added, second.merged) == (1, 2)
    assert store.get_scan("s1499").facts == {"bin": "411111", "last4": "1234"}  # type: ignore[union-attr]
    assert [s.scan_id for s in store.scans()][-2:] == ["s1499", "new"]
    store.close()


def test_an_import_into_a_long_queue_reads_only_its_own_ids(tmp_path: Path) -> None:
    store = Store(tmp_path / "reviewdesk.db")
    store.add_scans([Scan(f"s{n}") for n in range(2000)])
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)
    store.add_scans([Scan("s5", {"bin": "411111"}), Scan("new")])
    store._db.set_trace_callback(None)
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT") and "facts" in s]
    assert reads and all("WHERE scan_id IN" in s for s in reads)  # never the whole table per chunk
    store.close()


@pytest.mark.parametrize("chunk", [1, 7, 100, 5000])
def test_columns_read_in_chunks_are_the_whole_queue_in_order(tmp_path: Path, chunk: int) -> None:
    ids = [f"s-{n:03d}" for n in range(20)] + ["Upper-20"] + [f"t-{n}" for n in range(21, 40)]
    store = make_store(tmp_path, ids)
    store.remove_scans(["s-003", "t-30"])  # gaps in seq
    store.record_decision("t-35", "approved", {})
    kept = [i for i in ids if i not in ("s-003", "t-30")]
    columns = read_columns(store._db, chunk=chunk)
    assert columns.ids == kept
    assert columns.lower == [i.lower() for i in kept] and columns.lower is not columns.ids
    assert columns.index == {i: n for n, i in enumerate(kept)}
    assert columns.ids_in(DE) == ["t-35"] and len(columns.states) == len(kept)
    store.close()
