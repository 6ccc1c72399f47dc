"""Outbox drain: N decisions to the simulator on loopback, decisions per second, against a bare httpx
loop posting the same bodies to the same server in the same run.

The simulator runs in its own process (latency 0). The outbox is filled first (N committed decisions,
no hold), then, on the qasync loop: `DeliveryWorker.drain()` (the product's path: claim, send,
mark delivered, 4 at a time) with a `ReviewsClient` holding a reviewer token. The bare loop is 4
tasks posting `{"scanId", "annotationShortCode", "annotationInfo"}` with the same httpx client set-up
(`make_http_client`) and the same Authorization header, nothing else. Rounds alternate bare/worker.
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


def fill_outbox(path: Path, n: int, tag: str) -> list[dict[str, Any]]:
    from reviewdesk.domain.decision import build_annotation_info
    from reviewdesk.store.store import Store

    bodies = []
    with Store(path) as store:
        for i in range(n):
            scan_id = f"ready-drain-{tag}-{i:05d}"
            info = build_annotation_info(
                reviewer="bench-reviewer", seconds_on_scan=2.0, card_facts={"bin": "411111"}
            )
            entry = store.record_decision(scan_id, "approved", info, hold_seconds=0.0)
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
    from reviewdesk.sync.worker import DeliveryWorker

    store = await AsyncStore.open(path)
    http = make_http_client()
    client = ReviewsClient(base_url, ReviewerToken.parse(token), http=http)
    worker = DeliveryWorker(store, lambda: client, concurrency=CONCURRENCY)
    try:
        t0 = time.perf_counter()
        done = await worker.drain(timeout=600)
        elapsed = time.perf_counter() - t0
        counts = await store.counts()
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


def patch_claim_again() -> None:
    """Demonstration of a proposed product fix (this process only): `DeliveryWorker._pump` asks the
    store for `next_wakeup()` (a scan of every claimable pending entry) only when a claim came back
    empty; after a claim that found work it returns 0 (claim again at once, for the slots freed
    meanwhile) or None (all slots busy: a finished send wakes it)."""
    from reviewdesk.sync.worker import DeliveryWorker

    async def _pump(self: Any, claim_at: float | None) -> float | None:
        client = self._client()
        if client is None:
            return self.pause_poll
        now = self.clock()
        if now < self._gate_until:
            return self._gate_until - now
        free = self.concurrency - len(self._sending)
        if free <= 0:
            return None
        entries = await self.store.claim_due(now if claim_at is None else claim_at, free)
        for entry in entries:
            task = asyncio.get_running_loop().create_task(self._send(client, entry))
            self._sending[entry.id] = task
        if entries:
            self._refresh_soon()
            return None if len(self._sending) >= self.concurrency else 0.0
        wake = await self.store.next_wakeup()
        if wake is None:
            return None
        return max(0.0, wake - self.clock())

    DeliveryWorker._pump = _pump  # type: ignore[method-assign]


def patch_group_commit() -> None:
    """Demonstration of a proposed product fix (this process only): deliveries are marked in the
    store in groups, one transaction (one WAL fsync) for every decision delivered while the previous
    group was being written, instead of one transaction each. Implies claim-again."""
    from reviewdesk.store.async_store import AsyncStore
    from reviewdesk.store.store import Store

    patch_claim_again()

    def mark_delivered_many(self: Any, entry_ids: list[int], now: float) -> None:
        with self._tx() as c:
            for entry_id in entry_ids:
                entry = self._require(c, entry_id)
                c.execute(
                    "UPDATE outbox SET status = 'delivered', delivered_at = ?, last_error = NULL "
                    "WHERE id = ?",
                    (now, entry_id),
                )
                if self._is_newest(c, entry):
                    c.execute(
                        "UPDATE scans SET state = 'sent', shortcode = ?, note = ?, error = NULL "
                        "WHERE scan_id = ?",
                        (entry.shortcode, entry.note, entry.scan_id),
                    )

    Store.mark_delivered_many = mark_delivered_many  # type: ignore[attr-defined]
    waiting: dict[int, list[Any]] = {}

    async def mark_delivered(self: Any, entry_id: int, *, now: float | None = None) -> None:
        group = waiting.setdefault(id(self), [])
        future = asyncio.get_running_loop().create_future()
        group.append((entry_id, future))
        if len(group) == 1:  # the first of a group writes it, after the others had a chance to join
            await asyncio.sleep(0)
            batch = list(group)
            group.clear()
            try:
                await self._run(self.store.mark_delivered_many, [i for i, _ in batch], time.time())
            except BaseException as exc:
                for _, f in batch:
                    if not f.done():
                        f.set_exception(exc)
                raise
            for _, f in batch:
                if not f.done():
                    f.set_result(None)
        await future

    AsyncStore.mark_delivered = mark_delivered  # type: ignore[method-assign]


class _Gated:
    """A ReviewsClient whose send_feedback waits for one of the worker's wire slots."""

    def __init__(self, client: Any, slots: asyncio.Semaphore) -> None:
        self._client, self._slots = client, slots

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    async def send_feedback(self, *args: Any, **kwargs: Any) -> Any:
        async with self._slots:
            return await self._client.send_feedback(*args, **kwargs)


def patch_pipeline() -> None:
    """Demonstration of a proposed product fix (this process only): the worker keeps twice as many
    decisions under way as it has requests on the wire (`concurrency` HTTP requests at most, as now,
    through a semaphore around `send_feedback`), so a slot's store bookkeeping (mark delivered, claim
    the next) overlaps other slots' requests instead of leaving the wire idle."""
    from reviewdesk.sync.worker import DeliveryWorker

    original_init = DeliveryWorker.__init__
    original_send = DeliveryWorker._send

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self._bench_wire = asyncio.Semaphore(self.concurrency)
        self.concurrency *= 2

    async def _send(self: Any, client: Any, entry: Any) -> None:
        await original_send(self, _Gated(client, self._bench_wire), entry)

    DeliveryWorker.__init__ = __init__  # type: ignore[method-assign]
    DeliveryWorker._send = _send  # type: ignore[method-assign]


def patch_sniffio() -> None:
    """Emulates `sniffio` being installed (this process only). httpcore calls
    `current_async_library()` several times per request and it starts with `import sniffio`; anyio 4
    no longer depends on sniffio, so in this venv that import fails every time, and a failed import
    searches sys.path again (~95 us a call here). The stub answers what httpcore assumes without it."""
    import sys
    import types

    if "sniffio" in sys.modules:
        return
    stub = types.ModuleType("sniffio")
    stub.current_async_library = lambda: "asyncio"  # type: ignore[attr-defined]
    sys.modules["sniffio"] = stub


PATCHES = {
    "claim-again": patch_claim_again,
    "group-commit": patch_group_commit,
    "pipeline": patch_pipeline,
    "sniffio": patch_sniffio,
}


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--decisions", type=int, help="default 5,000 (quick 1,000)")
    parser.add_argument("--rounds", type=int, help="default 2 (quick 1)")
    parser.add_argument(
        "--patch", action="append", default=[], choices=sorted(PATCHES), help="apply a bench-local fix"
    )
    args = parser.parse_args()
    for name in args.patch:
        PATCHES[name]()
    n = args.decisions or (1000 if args.quick else 5000)
    rounds = args.rounds or (1 if args.quick else 2)
    folder = workdir(args.workdir)
    driver = QtDriver()
    worker_rates: list[float] = []
    bare_rates: list[float] = []
    worker_gaps: list[float] = []
    bare_gaps: list[float] = []
    with SimProcess(latency=0.0) as sim:
        for r in range(rounds):
            path = folder / f"drain-{r}" / "reviewdesk.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            bodies = fill_outbox(path, n, str(r))
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
    driver.close()
    w, b = median(worker_rates), median(bare_rates)
    r = w / b if b else 0.0
    emit(
        Row(
            figure=f"outbox drain, {n:,} decisions to the simulator on loopback"
            + (f" [bench-local fix: {', '.join(args.patch)}]" if args.patch else ""),
            value=f"{w:,.0f} decisions/s",
            floor=f"bare httpx loop {b:,.0f}/s",
            ratio=fmt_ratio(r),
            budget=">= 0.7x",
            verdict=verdict(r >= 0.7),
            notes=f"{rounds} round(s), concurrency {CONCURRENCY} both; worker "
            f"{', '.join(f'{x:,.0f}' for x in worker_rates)}/s; "
            f"bare {', '.join(f'{x:,.0f}' for x in bare_rates)}/s; GUI thread while draining (gaps of a 5 ms "
            f"timer): p95 {ms(percentile(worker_gaps, 95))}, max {ms(max(worker_gaps, default=0))} "
            f"(bare loop: p95 {ms(percentile(bare_gaps, 95))}, max {ms(max(bare_gaps, default=0))})",
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
