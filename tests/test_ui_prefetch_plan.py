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


def test_items_of_several_images_fetch_wider_and_count_their_listing() -> None:
    """A Jumio transaction is listed first, then its images are fetched: an item takes both, and a
    fast reviewer needs every image of the items ahead on its way at once."""
    clock = Clock()
    plan = PrefetchPlan(clock)
    plan.fetched(0.15, 2_000_000)
    reviewer(plan, clock, [1.5, 0.2, 0.2])
    scans_ahead = math.ceil(MARGIN * 0.15 / 0.2)
    assert (plan.depth(3, 256 << 20), plan.parallel(3)) == (3, 3)  # scans of one image: as before
    for _ in range(30):  # items of six images, listed in 150 ms each
        plan.listed(0.15, 6)
    assert plan.per_item == pytest.approx(6, abs=0.01)
    items_ahead = math.ceil(MARGIN * (0.15 + 0.15) / 0.2)
    assert items_ahead > scans_ahead
    assert plan.depth(3, 256 << 20) == max(3, items_ahead + 1)
    assert plan.parallel(3) == MAX_PARALLEL  # 3 items x 6 images, within the cap
    assert plan.parallel(3) > 3


def test_an_item_with_no_images_counts_as_one() -> None:
    plan = PrefetchPlan(Clock())
    plan.listed(0.1, 0)
    assert plan.per_item == pytest.approx(1.0)
    assert plan.listing == pytest.approx(0.1)


def test_the_service_fetches_every_image_of_jumio_items_wider_for_a_fast_reviewer(
    slow_sim,
    make_service,  # noqa: F811
    qtbot,
) -> None:
    """The listing of an item feeds the plan: the service widens to the items' images, and every
    image of the items ahead is fetched or on its way."""
    from reviewdesk.sources.jumio import JumioSource
    from reviewdesk.sources.registry import SourceRegistry
    from support.images import run
    from support.jumio import client as jumio_client

    c = jumio_client(slow_sim)
    clock = Clock()
    plan = PrefetchPlan(clock)
    service, _ = make_service(SourceRegistry(JumioSource(c)), plan=plan)
    queue = [f"jumio:{('done-id', 'liveness')[i % 2]}-wide-{i:02d}" for i in range(20)]
    service.show(queue[0], queue[1:])
    qtbot.waitUntil(lambda: all(service.images_of(i) for i in queue[:4]), timeout=WAIT_MS)
    assert plan.listing >= 0.25 and plan.per_item > 1.5  # IDs of 3 images, liveness of more
    qtbot.waitUntil(lambda: plan.latency is not None, timeout=WAIT_MS)
    for i in range(1, 4):  # then an item every 200 ms
        clock.now += 0.2
        service.show(queue[i], queue[i + 1 :])
    assert service._slot_count == plan.parallel(3) > math.ceil(MARGIN * plan.latency / 0.2)
    ahead = queue[4 : 3 + 1 + service.depth]
    assert len(ahead) > 3

    def all_images_ahead() -> bool:
        refs = [(item, service.images_of(item)) for item in ahead]
        return all(
            r is not None and all(service.cached(item, ref.key) is not None for ref in r) for item, r in refs
        )

    qtbot.waitUntil(all_images_ahead, timeout=3 * WAIT_MS)  # ~40 images at 250 ms each, 6 at once
    run(qtbot, c.aclose())
