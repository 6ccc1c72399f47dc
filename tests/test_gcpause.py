"""paused_gc: the collector is off during a bulk operation, nested and across threads, and back after;
short_gil_turns: the GIL's switch interval shortened meanwhile, and back after."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from reviewdesk.gcpause import paused_gc, short_gil_turns


@pytest.fixture(autouse=True)
def _collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_nested_pauses_turn_it_back_on_after_the_last() -> None:
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_it_is_back_on_after_an_error() -> None:
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError("import failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    with paused_gc():
        pass
    assert not gc.isenabled()


def test_overlapping_pauses_from_threads() -> None:
    inside, release = threading.Barrier(2), threading.Event()

    def work() -> None:
        with paused_gc():
            inside.wait()
            release.wait(5)

    thread = threading.Thread(target=work)
    thread.start()
    with paused_gc():
        inside.wait()
    assert not gc.isenabled()  # the thread's pause still holds
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_short_gil_turns_nested_and_back_after_an_error() -> None:
    before = sys.getswitchinterval()
    try:
        with pytest.raises(RuntimeError), short_gil_turns(0.001):
            assert sys.getswitchinterval() == pytest.approx(0.001)
            with short_gil_turns(0.002):  # the first one's interval holds
                assert sys.getswitchinterval() == pytest.approx(0.001)
            assert sys.getswitchinterval() == pytest.approx(0.001)
            raise RuntimeError("import failed")
        assert sys.getswitchinterval() == pytest.approx(before)
        sys.setswitchinterval(0.0005)
        with short_gil_turns(0.001):  # never made longer than it was
            assert sys.getswitchinterval() == pytest.approx(0.0005)
        assert sys.getswitchinterval() == pytest.approx(0.0005)
    finally:
        sys.setswitchinterval(before)
