"""Crash safety: a real child process is SIGKILLed at random moments while it records decisions
and delivers them to the simulator; after every restart and sync nothing acknowledged is lost.

"Acknowledged" = the child printed `ack <key>` after `record_decision` returned (the commit).
An acknowledged decision may legitimately never reach the server only if a LATER decision for
the same scan was committed while it was still undelivered (supersede). The commit of the step
after the last ack may also have happened (killed between commit and print): it is "committed"
without an ack, so it may supersede too, and must itself arrive.

Covers reviewdesk.store (recording, delivery) and reviewdesk.sync.worker across SIGKILLs
(tests/outbox_child.py).
"""

from __future__ import annotations

import asyncio
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from outbox_child import CONCURRENCY, make_plan
from reviewdesk.api.auth import ReviewerToken
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.store import AsyncStore, Store
from reviewdesk.sync import DeliveryWorker
from support.outbox import FAST, per_scan_first_arrivals

pytestmark = pytest.mark.slow  # seconds to minutes: `-m "not slow"` leaves it out

SEED = 20240611
DISTINCT = 2000
REPEATS = 300
KILLS = 20
CHILD = Path(__file__).with_name("outbox_child.py")


def read_acks(out: Path) -> tuple[list[str], bool, bool]:
    """Acknowledged keys (complete lines only), whether it got ready, whether it drained."""
    text = out.read_bytes().decode()
    lines = text.split("\n")[:-1]  # a torn last line (no newline) is not an acknowledgement
    acks = [line[4:] for line in lines if line.startswith("ack ")]
    return acks, "ready" in lines, "drained" in lines


async def sync_now(db: Path, base_url: str, token: str) -> tuple[bool, int]:
    astore = await AsyncStore.open(db)
    client = ReviewsClient(base_url, ReviewerToken.parse(token))
    try:
        worker = DeliveryWorker(astore, lambda: client, concurrency=CONCURRENCY, **FAST)
        empty = await worker.drain(timeout=60)
        left = len(await astore.run(Store.pending_entries))
    finally:
        await client.aclose()
        await astore.close()
    return empty, left


def test_acknowledged_decisions_survive_sigkill(sim, tmp_path: Path) -> None:
    sim.config.latency = 0.005  # requests stay in flight a little: kills catch some
    token = sim.mint_token("crash")
    plan = make_plan(SEED, DISTINCT, REPEATS)
    index_of = {key: i for i, (_, _, key) in enumerate(plan)}
    db = tmp_path / "data" / "reviewdesk.sqlite3"
    rng = random.Random(SEED)
    acked: list[int] = []
    kills = rounds = 0
    started = time.monotonic()

    def spawn(start: int, out: Path) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            [sys.executable, str(CHILD), str(db), sim.base_url, token, str(start), "--seed", str(SEED)],
            stdout=out.open("wb"),
            stderr=out.with_suffix(".err").open("wb"),
        )

    def check(final: bool) -> None:
        records = sim.feedback()
        keys = [r.annotation_info["idempotencyKey"] for r in records]
        assert all(k in index_of for k in keys), "the server got a decision that was never made"
        received = set(keys)
        committed_max = (acked[-1] + 1) if acked else 0  # the step after the last ack may be committed
        assert all(index_of[k] <= committed_max for k in received)
        arrived_steps: dict[str, list[int]] = {}
        for k in received:
            arrived_steps.setdefault(plan[index_of[k]][0], []).append(index_of[k])
        for i in acked:
            scan, _, key = plan[i]
            # superseded: only by a later committed decision of the same scan, which then arrived
            assert key in received or any(j > i for j in arrived_steps.get(scan, [])), (
                f"acknowledged decision {i} ({scan}) was lost"
            )
        # the latest acknowledged decision of each scan arrived, unless the committed-but-unacked
        # step after the last ack (same scan) superseded it, and then that one arrived
        last_acked: dict[str, int] = {}
        for i in acked:
            last_acked[plan[i][0]] = i
        for scan, i in last_acked.items():
            nxt = committed_max if committed_max < len(plan) and plan[committed_max][0] == scan else None
            assert plan[i][2] in received or (nxt is not None and plan[nxt][2] in received), scan
        # per scan, first arrivals are in the order the decisions were made
        for scan, arrived in per_scan_first_arrivals(records).items():
            order = [index_of[k] for k in arrived]
            assert order == sorted(order), f"decisions for {scan} arrived out of order: {order}"
        # duplicates are only requests that were in flight at a kill
        duplicates = sum(n - 1 for n in Counter(keys).values())
        assert duplicates <= kills * CONCURRENCY, (duplicates, kills)
        if final:
            last_made: dict[str, str] = {}
            for scan, _, key in plan:
                last_made[scan] = key
            last_got = {r.scan_id: r.annotation_info["idempotencyKey"] for r in records}
            assert last_got == last_made  # every scan ends with its last decision, received last

    while kills < KILLS:
        rounds += 1
        assert rounds <= 3 * KILLS, "the child keeps finishing before it can be killed"
        out = tmp_path / f"child-{rounds:02d}.out"
        start = acked[-1] + 1 if acked else 0
        proc = spawn(start, out)
        if rng.random() < 0.15:  # sometimes during start-up (store open, release_inflight)
            time.sleep(rng.uniform(0.05, 0.5))
        else:  # mostly while it records and delivers
            deadline = time.monotonic() + 30
            while not read_acks(out)[1] and proc.poll() is None:
                assert time.monotonic() < deadline, "the child did not start"
                time.sleep(0.005)
            time.sleep(rng.uniform(0.02, 0.8))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait(30)
        new, _, _ = read_acks(out)
        new_idx = [index_of[k] for k in new]
        assert new_idx == list(range(start, start + len(new_idx))), "acks out of plan order"
        acked.extend(new_idx)
        empty, left = asyncio.run(sync_now(db, sim.base_url, token))
        assert empty and left == 0
        check(final=False)

    # run to the end without a kill, then a last sync
    acked_under_kills = len(acked)
    out = tmp_path / "child-final.out"
    start = acked[-1] + 1 if acked else 0
    proc = spawn(start, out)
    assert proc.wait(120) == 0, out.with_suffix(".err").read_text()
    new, _, drained = read_acks(out)
    acked.extend(index_of[k] for k in new)
    assert drained and acked == list(range(len(plan)))
    empty, left = asyncio.run(sync_now(db, sim.base_url, token))
    assert empty and left == 0
    check(final=True)

    keys = [r.annotation_info["idempotencyKey"] for r in sim.feedback()]
    duplicates = sum(n - 1 for n in Counter(keys).values())
    print(
        f"\ncrash test: {len(plan)} decisions ({acked_under_kills} made in the killed rounds), "
        f"{kills} kills in {rounds} rounds, "
        f"{len(set(keys))} distinct decisions received, {duplicates} duplicates, "
        f"{time.monotonic() - started:.1f} s"
    )
