"""A ReviewDesk stand-in that the crash test kills with SIGKILL at random moments.

It records the decisions of a fixed plan (from `--start` on), printing `ack <idempotencyKey>`
(flushed, one write) after each commit, while a DeliveryWorker delivers them to the simulator.
At the end of the plan it drains the outbox and prints `drained`.

Usage: outbox_child.py DB BASE_URL TOKEN START [--seed N] [--distinct N] [--repeats N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.domain import shortcodes
from reviewdesk.domain.decision import build_annotation_info
from reviewdesk.store import AsyncStore, Store
from reviewdesk.sync import DeliveryWorker

CONCURRENCY = 4


def make_plan(seed: int, distinct: int, repeats: int) -> list[tuple[str, str, str]]:
    """(scan id, shortcode, idempotency key) in the order the decisions are made.

    `distinct` scans get one decision each; `repeats` more decisions go to a scan decided a few
    steps before, so that they often supersede one that is still undelivered.
    """
    rng = random.Random(seed)
    codes = [s.code for s in shortcodes.all_shortcodes()]
    plan: list[tuple[str, str, str]] = []
    order: list[str] = []
    repeat_at = set(rng.sample(range(10, distinct + repeats), repeats))
    next_scan = 0
    for i in range(distinct + repeats):
        if i in repeat_at and order:
            scan = order[-rng.randint(1, min(15, len(order)))]
        else:
            scan = f"crash-{next_scan:05d}"
            next_scan += 1
            order.append(scan)
        plan.append((scan, rng.choice(codes), f"key-{seed}-{i:05d}"))
    assert next_scan == distinct
    return plan


async def run(args: argparse.Namespace) -> None:
    plan = make_plan(args.seed, args.distinct, args.repeats)
    store = await AsyncStore.open(args.db)
    client = ReviewsClient(args.base_url, ReviewerToken.parse(args.token))
    worker = DeliveryWorker(store, lambda: client, concurrency=CONCURRENCY, base_delay=0.05, max_delay=0.5)
    worker.start()
    os.write(1, b"ready\n")
    for i in range(args.start, len(plan)):
        scan_id, code, key = plan[i]
        annotation = build_annotation_info(reviewer="crash", extra={"step": i}, idempotency_key=key)
        await store.run(Store.record_decision, scan_id, code, annotation, route=client.route)
        os.write(1, f"ack {key}\n".encode())  # after the commit: the acknowledgement
        worker.kick()
        if args.pace:
            await asyncio.sleep(args.pace)
    await worker.drain()
    os.write(1, b"drained\n")
    await worker.stop()
    await client.aclose()
    await store.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("base_url")
    parser.add_argument("token")
    parser.add_argument("start", type=int)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--distinct", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--pace", type=float, default=0.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
