"""Outbox drain: N decisions to the simulator, decisions per second, against a bare httpx loop
posting the same bodies to the same server in the same run.

The simulator runs in its own process: on loopback (latency 0, reported only), then adding 20 ms
to each request (the budget: >= 0.9x the bare loop; a real link spends its time there). The
outbox is filled first (N committed decisions, no hold), then, on the qasync loop:
`DeliveryWorker.drain()` (the product's path, as is: claim in batches, send 4 at a time, mark
delivered in group commits) with a `ReviewsClient` holding a reviewer token. The bare loop is 4
tasks posting `{"scanId", "annotationShortCode", "annotationInfo"}` with the same httpx client
set-up (`make_http_client`) and the same Authorization header, nothing else. Rounds alternate
bare/worker.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from _common import (
    QtDriver,
    Row,
    SimProcess,
    emit,
    figure_parser,
    fmt_ratio,
    median,
    ms,
    percentile,
    verdict,
    workdir,
)

CONCURRENCY = 4  # DeliveryWorker's default
LATENCY = 0.02  # the budget's case: 20 ms added to each request by the simulator


class Heartbeat:
    """A 5 ms QTimer on the GUI thread; `gaps` are the intervals between its ticks (how long the
    event loop could not answer: what a keystroke would wait at most, on top of its own work)."""

    def __enter__(self) -> Heartbeat:
        from PySide6.QtCore import QTimer

        self.ticks: list[float] = [time.perf_counter()]
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()
        self.gaps = [b - a for a, b in zip(self.ticks, self.ticks[1:], strict=False)]


def fill_outbox(path: Path, n: int, tag: str, base_url: str, token: str) -> list[dict[str, Any]]:
    from reviewdesk.api.auth import ReviewerToken
    from reviewdesk.api.reviews import normalize_base_url
    from reviewdesk.domain.decision import build_annotation_info
    from reviewdesk.domain.route import Route
    from reviewdesk.store.store import Store

    route = Route(normalize_base_url(base_url), ReviewerToken.parse(token).identity)

    bodies = []
    with Store(path) as store:
        for i in range(n):
            scan_id = f"ready-drain-{tag}-{i:05d}"
            info = build_annotation_info(
                reviewer="bench-reviewer", seconds_on_scan=2.0, card_facts={"bin": "411111"}
            )
            entry = store.record_decision(scan_id, "approved", info, hold_seconds=0.0, route=route)
            bodies.append(
                {
                    "scanId": scan_id,
                    "annotationShortCode": "approved",
                    "annotationInfo": entry.annotation_info,
                }
            )
    return bodies


async def worker_drain(path: Path, base_url: str, token: str, n: int) -> float:
    from reviewdesk.api.auth import ReviewerToken
    from reviewdesk.api.http import make_http_client
    from reviewdesk.api.reviews import ReviewsClient
    from reviewdesk.store.async_store import AsyncStore
    from reviewdesk.store.store import Store
    from reviewdesk.sync.worker import DeliveryWorker

    store = await AsyncStore.open(path)
    http = make_http_client()
    client = ReviewsClient(base_url, ReviewerToken.parse(token), http=http)
    worker = DeliveryWorker(store, lambda: client, concurrency=CONCURRENCY)
    try:
        t0 = time.perf_counter()
        done = await worker.drain(timeout=600)
        elapsed = time.perf_counter() - t0
        counts = await store.run(Store.counts)
        if not done or counts.delivered != n:
            raise RuntimeError(f"drain incomplete: {counts}")
        return elapsed
    finally:
        await store.close()
        await http.aclose()


async def bare_loop(base_url: str, token: str, bodies: list[dict[str, Any]]) -> float:
    from reviewdesk.api.http import make_http_client

    http = make_http_client()
    headers = {"Authorization": f"Bearer {token}"}
    url = base_url.rstrip("/") + "/reviews/feedback"
    queue = list(reversed(bodies))

    async def one() -> None:
        while queue:
            body = queue.pop()
            response = await http.post(url, json=body, headers=headers)
            if response.status_code != 200:
                raise RuntimeError(f"bare loop: HTTP {response.status_code}")

    try:
        t0 = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(CONCURRENCY)))
        return time.perf_counter() - t0
    finally:
        await http.aclose()


def measure(
    driver: QtDriver, folder: Path, latency: float, n: int, rounds: int
) -> tuple[list[float], list[float], list[float], list[float]]:
    """(worker rates, bare rates, worker GUI gaps, bare GUI gaps) against a simulator adding `latency`."""
    worker_rates: list[float] = []
    bare_rates: list[float] = []
    worker_gaps: list[float] = []
    bare_gaps: list[float] = []
    with SimProcess(latency=latency) as sim:
        for r in range(rounds):
            path = folder / f"drain-{latency:g}-{r}" / "reviewdesk.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            bodies = fill_outbox(path, n, f"{latency:g}-{r}", sim.base_url, sim.token)
            before = sim.stats()["feedback"]
            with Heartbeat() as beat:
                bare_rates.append(n / driver.run(bare_loop(sim.base_url, sim.token, bodies), timeout=900))
            bare_gaps += beat.gaps
            with Heartbeat() as beat:
                worker_rates.append(
                    n / driver.run(worker_drain(path, sim.base_url, sim.token, n), timeout=900)
                )
            worker_gaps += beat.gaps
            got = sim.stats()["feedback"] - before
            if got != 2 * n:
                raise RuntimeError(f"the simulator got {got} feedback posts, expected {2 * n}")
    return worker_rates, bare_rates, worker_gaps, bare_gaps


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--decisions", type=int, help="default 5,000 (quick 1,000)")
    parser.add_argument("--rounds", type=int, help="default 2 (quick 1)")
    args = parser.parse_args()
    n = args.decisions or (1000 if args.quick else 5000)
    rounds = args.rounds or (1 if args.quick else 2)
    folder = workdir(args.workdir)
    driver = QtDriver()
    # Loopback (reported only), then the budget's case: the simulator adding 20 ms to each request,
    # where a real link spends its time (issue 18).
    for latency, budget in ((0.0, None), (LATENCY, 0.9)):
        worker_rates, bare_rates, worker_gaps, bare_gaps = measure(driver, folder, latency, n, rounds)
        w, b = median(worker_rates), median(bare_rates)
        r = w / b if b else 0.0
        where = "on loopback" if not latency else f"with {latency * 1000:g} ms added to each request"
        emit(
            Row(
                figure=f"outbox drain, {n:,} decisions to the simulator {where}",
                value=f"{w:,.0f} decisions/s",
                floor=f"bare httpx loop {b:,.0f}/s",
                ratio=fmt_ratio(r),
                budget=f">= {budget:g}x" if budget else "reported",
                verdict=verdict(r >= budget) if budget else "reported",
                notes=f"{rounds} round(s), concurrency {CONCURRENCY} both; worker "
                f"{', '.join(f'{x:,.0f}' for x in worker_rates)}/s; "
                f"bare {', '.join(f'{x:,.0f}' for x in bare_rates)}/s; GUI thread while draining (gaps of a "
                f"5 ms timer): p95 {ms(percentile(worker_gaps, 95))}, max {ms(max(worker_gaps, default=0))} "
                f"(bare loop: p95 {ms(percentile(bare_gaps, 95))}, max {ms(max(bare_gaps, default=0))})",
            )
        )
    driver.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
