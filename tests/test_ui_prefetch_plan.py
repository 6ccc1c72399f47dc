"""PrefetchPlan (depth and fetches at once from pace and latency), and ImageService following it
against the simulator with latency added."""

from __future__ import annotations

import math

import pytest

from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.ui.prefetch_plan import MARGIN, MAX_DEPTH, MAX_PARALLEL, PACE_WINDOW, PAUSE_S, PrefetchPlan
from support.images import WAIT_MS
from support.images import make_service as make_service  # noqa: F401  (the fixture)
from support.images import sessions as sessions  # noqa: F401  (the fixture)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def reviewer(plan: PrefetchPlan, clock: Clock, gaps: list[float], start: int = 0) -> None:
    plan.shown(f"s{start}")
    for n, gap in enumerate(gaps, start + 1):
        clock.now += gap
        plan.shown(f"s{n}")


def test_unknown_pace_or_latency_keeps_the_setting() -> None:
    clock = Clock()
    plan = PrefetchPlan(clock)
    assert (plan.depth(3, 256 << 20), plan.parallel(3)) == (3, 3)
    reviewer(plan, clock, [0.2] * 5)
    assert plan.depth(3, 256 << 20) == 3  # no fetch seen yet
    assert PrefetchPlan(clock).depth(0, 256 << 20) == 0


def test_a_fast_reviewer_and_a_slow_server_fetch_deeper_and_wider() -> None:
    clock = Clock()
    plan = PrefetchPlan(clock)
    plan.fetched(0.9, 2_000_000)
    reviewer(plan, clock, [2.0, 0.2, 0.2])
    assert plan.pace == pytest.approx(0.2)
    assert plan.depth(3, 256 << 20) == math.ceil(MARGIN * 0.9 / 0.2) + 1 == 8
    assert plan.parallel(3) == 6
    assert plan.depth(0, 256 << 20) == 0  # prefetch off stays off


def test_a_slow_reviewer_needs_only_the_setting() -> None:
    clock = Clock()
    plan = PrefetchPlan(clock)
    plan.fetched(0.35, 2_000_000)
    reviewer(plan, clock, [2.5] * 4)
    assert (plan.depth(3, 256 << 20), plan.parallel(3)) == (3, 3)


def test_the_pace_is_the_fastest_recent_gap_and_pauses_do_not_count() -> None:
    clock = Clock()
    plan = PrefetchPlan(clock)
    reviewer(plan, clock, [0.2, PAUSE_S + 5, 1.5])
    assert plan.pace == pytest.approx(0.2)  # the burst is remembered over a look at one card
    plan.shown("s3")  # the same scan again: no gap
    assert plan.pace == pytest.approx(0.2)
    reviewer(plan, clock, [1.5] * PACE_WINDOW, start=10)
    assert plan.pace == pytest.approx(1.5)  # slowed down for a while: back to the slow pace


def test_the_cache_and_the_caps_bound_the_plan() -> None:
    clock = Clock()
    plan = PrefetchPlan(clock)
    plan.fetched(5.0, 10_000_000)
    reviewer(plan, clock, [0.05] * 3)
    assert plan.depth(3, 1 << 30) == MAX_DEPTH
    assert plan.parallel(3) == MAX_PARALLEL
    assert plan.depth(3, 60_000_000) == 5  # six images fit: the one shown and five ahead
    assert plan.depth(3, 20_000_000) == 3  # never below the setting


@pytest.fixture
def slow_sim():
    with SimServer(SimConfig(latency=0.25, seed=3)) as server:
        yield server


def test_the_service_goes_deeper_for_a_fast_reviewer(slow_sim, sessions, make_service, qtbot) -> None:  # noqa: F811
    clock = Clock()
    plan = PrefetchPlan(clock)
    service, _ = make_service(sessions(slow_sim).provider, plan=plan)
    queue = [f"ready-p{i:02d}" for i in range(30)]
    service.show(queue[0], queue[1:])
    assert service.pending() == set(queue[:4])  # the setting: three ahead
    qtbot.waitUntil(lambda: all(service.cached(s) is not None for s in queue[:4]), timeout=WAIT_MS)
    assert plan.latency is not None and plan.latency >= 0.5  # two requests at 250 ms each
    for i in range(1, 4):  # then a scan every 100 ms
        clock.now += 0.1
        service.show(queue[i], queue[i + 1 :])
    depth = service.depth
    assert depth == min(MAX_DEPTH, math.ceil(MARGIN * plan.latency / 0.1) + 1) > 3
    ahead = queue[4 : 3 + 1 + depth]
    assert all(s in service.pending() or service.cached(s) is not None for s in ahead)
    assert service._slot_count == min(MAX_PARALLEL, math.ceil(MARGIN * plan.latency / 0.1))
    qtbot.waitUntil(lambda: all(service.cached(s) is not None for s in ahead), timeout=WAIT_MS)
