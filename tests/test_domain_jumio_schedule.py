"""The polling schedule of the Jumio reference's best practice (docs/JUMIO.md), as pure functions."""

from __future__ import annotations

import pytest

from reviewdesk.domain.jumio_schedule import DAY, SCHEDULE, describe_next, is_final, next_poll


def test_the_ten_tries_come_at_the_documented_offsets() -> None:
    assert SCHEDULE == (40, 60, 100, 160, 240, 340, 460, 600, 760, 940)
    assert [next_poll(1000.0, tries) - 1000.0 for tries in range(10)] == list(SCHEDULE)


def test_after_the_tenth_try_once_a_day() -> None:
    assert next_poll(0.0, 10) == 940 + DAY
    assert next_poll(0.0, 11) == 940 + 2 * DAY
    # Counted from the last try when that came late.
    assert next_poll(0.0, 10, last_try_at=5000.0) == 5000.0 + DAY


def test_a_late_try_does_not_make_the_next_ones_crowd_in() -> None:
    # The program was closed: the 3rd try happened at 2000 s instead of 100 s.
    due = next_poll(0.0, 3, last_try_at=2000.0)
    assert due == 2000.0 + (160 - 100)
    # On time, the schedule itself wins.
    assert next_poll(0.0, 3, last_try_at=100.0) == 160.0


def test_scale_shrinks_every_wait() -> None:
    assert next_poll(10.0, 0, scale=0.001) == pytest.approx(10.04)
    assert next_poll(0.0, 9, scale=0.5) == 470.0
    assert next_poll(0.0, 10, scale=0.001) == pytest.approx((940 + DAY) * 0.001)


def test_negative_tries_are_refused_and_final_states() -> None:
    with pytest.raises(ValueError):
        next_poll(0.0, -1)
    assert is_final("DONE") and is_final("FAILED") and not is_final("PENDING") and not is_final("WEIRD")


def test_describe_next_says_when() -> None:
    assert describe_next(None) == ""
    assert describe_next(1100.0, now=1000.0).startswith("next poll in 1 min 40 s (at ")
    assert describe_next(1030.0, now=1000.0).startswith("next poll in 30 s")
    assert describe_next(900.0, now=1000.0).startswith("next poll now")
