"""Decision to durable in the outbox: the app's path, on the qasync loop.

`Services.decide` (what the window's controller awaits) is called N times on a store holding
10,000 queued scans, with the delivery worker running (signed out, so it only refreshes its status
on every kick: the same store-thread traffic as in the app). "Durable" is the await of
`AsyncStore.write(Store.record_decision, …)` returning: the transaction is committed with
synchronous=FULL (WAL fsync) on the store thread, and the loop has the answer with what changed.
The whole of `Services.decide` (which also publishes the changes to its listeners) is given in the
notes.

Floor, same run and same folder: a bare sqlite3 connection with the same pragmas (WAL,
synchronous=FULL), one INSERT and COMMIT per decision, on the calling thread.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from _common import QtDriver, Row, emit, figure_parser, fmt_ratio, ms, percentile, ratio, verdict, workdir

QUEUED = 10_000
BACKLOG = 5_000


def bare_floor(folder: Any, n: int) -> list[float]:
    path = folder / "floor.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, scan_id TEXT, info TEXT)")
    times = []
    body = '{"reviewer":"bench","decidedAt":"2026-01-01T00:00:00Z","idempotencyKey":"x"}'
    for i in range(n):
        t0 = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (scan_id, info) VALUES (?, ?)", (f"ready-{i}", body))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - t0)
    conn.close()
    return times


def main() -> int:
    parser = figure_parser(__doc__ or "")
    parser.add_argument("--decisions", type=int, help="default 1,000 (quick 300)")
    parser.add_argument("--gap-ms", type=float, default=5.0, help="event-loop time between decisions")
    args = parser.parse_args()
    n = args.decisions or (300 if args.quick else 1000)
    folder = workdir(args.workdir)
    driver = QtDriver()

    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.domain.scan import Scan
    from reviewdesk.paths import resolve_paths
    from reviewdesk.services import Services
    from reviewdesk.settings import Settings
    from reviewdesk.store import Store

    services = Services(resolve_paths(folder / "data"), Settings())
    driver.run(services.open())
    scans = [Scan(f"ready-outbox-{i:05d}", {"bin": "411111", "last4": "1234"}) for i in range(QUEUED)]
    assert 2 * n <= QUEUED
    driver.run(services.import_scans(ImportResult(scans=scans, problems=[], source="bench")))
    store = services.store
    assert store is not None
    durable: list[float] = []
    original = store.write  # (run goes through write too)

    async def timed(fn: Any, /, *a: Any, **k: Any) -> Any:
        if fn is not Store.record_decision:
            return await original(fn, *a, **k)
        t0 = time.perf_counter()
        try:
            return await original(fn, *a, **k)
        finally:
            durable.append(time.perf_counter() - t0)

    store.write = timed  # type: ignore[method-assign]
    whole: list[float] = []
    floor: list[float] = []
    for i in range(n):
        t0 = time.perf_counter()
        driver.run(services.decide(scans[i], "approved", seconds_on_scan=1.0, hold_seconds=5.0))
        whole.append(time.perf_counter() - t0)
        if i % 10 == 0:  # the floor, interleaved: the same disk at the same moment
            floor += bare_floor(folder, 10)
        driver.spin(args.gap_ms)
    driver.run(services.close())
    backlog_durable, backlog_note = while_draining(driver, folder, scans[n : 2 * n], args.gap_ms)
    driver.close()

    p50, p95 = percentile(durable, 50), percentile(durable, 95)
    f50, f95 = percentile(floor, 50), percentile(floor, 95)
    r = ratio(p95, f95)
    emit(
        Row(
            figure=f"decision to durable in the outbox ({n:,})",
            value=f"p50 {ms(p50)} / p95 {ms(p95)}",
            floor=f"p50 {ms(f50)} / p95 {ms(f95)}",
            ratio=fmt_ratio(r),
            budget="p95 <= 5 ms",
            verdict=verdict(p95 <= 0.005),
            notes=(
                f"{QUEUED:,} scans queued; "
                f"Services.decide (commit + its changes published) p95 {ms(percentile(whole, 95))}; "
                f"durable max {ms(max(durable))}; floor = bare sqlite INSERT+COMMIT, WAL, synchronous=FULL"
            ),
            data={
                "durable_ms": [round(x * 1000, 3) for x in durable],
                "floor_ms": [round(x * 1000, 3) for x in floor],
            },
        )
    )
    bp95 = percentile(backlog_durable, 95)
    emit(
        Row(
            figure=f"decision to durable while {BACKLOG:,} decisions drain ({len(backlog_durable):,})",
            value=f"p50 {ms(percentile(backlog_durable, 50))} / p95 {ms(bp95)}",
            floor=f"p50 {ms(f50)} / p95 {ms(f95)}",
            ratio=fmt_ratio(ratio(bp95, f95)),
            budget="p95 <= 5 ms",
            verdict=verdict(bp95 <= 0.005),
            notes=backlog_note,
            data={"durable_ms": [round(x * 1000, 3) for x in backlog_durable]},
        )
    )
    return 0


def while_draining(driver: QtDriver, folder: Any, scans: list[Any], gap_ms: float) -> tuple[list[float], str]:
    """Decisions timed as in main(), while the worker delivers a backlog of BACKLOG decisions to the
    simulator (its own process, 20 ms added to each request, as a real link)."""
    from _common import SimProcess
    from fig_drain import fill_outbox

    from reviewdesk.domain.importer import ImportResult
    from reviewdesk.paths import resolve_paths
    from reviewdesk.services import Services
    from reviewdesk.session import SignInRequest
    from reviewdesk.settings import Settings
    from reviewdesk.store import Store

    durable: list[float] = []
    with SimProcess(latency=0.02) as sim:
        paths = resolve_paths(folder / "backlog").ensure()
        fill_outbox(paths.database, BACKLOG, "backlog", sim.base_url, sim.token)
        services = Services(paths, Settings())
        driver.run(services.open())
        driver.run(services.import_scans(ImportResult(scans=scans, problems=[], source="bench")))
        store = services.store
        assert store is not None
        original = store.write  # (run goes through write too)

        async def timed(fn: Any, /, *a: Any, **k: Any) -> Any:
            if fn is not Store.record_decision:
                return await original(fn, *a, **k)
            t0 = time.perf_counter()
            try:
                return await original(fn, *a, **k)
            finally:
                durable.append(time.perf_counter() - t0)

        store.write = timed  # type: ignore[method-assign]
        driver.run(services.session.sign_in(SignInRequest(sim.base_url, token=sim.token, remember=False)))
        driver.wait_until(lambda: sim.stats()["feedback"] > 50, timeout=60)  # draining
        start = sim.stats()["feedback"]
        for scan in scans:
            driver.run(services.decide(scan, "approved", seconds_on_scan=1.0, hold_seconds=5.0))
            driver.spin(gap_ms)
        end = sim.stats()["feedback"]
        driver.run(services.close())
    note = (
        f"{end - start:,} of the backlog delivered while the {len(scans):,} decisions were made "
        f"(delivered {start:,} before, {end:,} after, of {BACKLOG:,}); simulator adding 20 ms a request"
    )
    return durable, note


if __name__ == "__main__":
    raise SystemExit(main())
