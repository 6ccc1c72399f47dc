"""The simulator in a process of its own, for the benchmarks.

Prints one JSON line {base_url, token, admin_key} once it listens; answers `stats` on stdin with
{feedback: N}; stops when stdin closes.
"""

from __future__ import annotations

import argparse
import json
import sys

from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    config = SimConfig(latency=args.latency, seed=args.seed, uploading_seconds=0.5, token_lifetime=4 * 3600)
    with SimServer(config) as sim:
        info = {
            "base_url": sim.base_url,
            "token": sim.mint_token("bench-reviewer"),
            "admin_key": config.admin_key,
        }
        print(json.dumps(info), flush=True)
        for line in sys.stdin:
            if line.strip() == "stats":
                print(json.dumps({"feedback": len(sim.feedback())}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
