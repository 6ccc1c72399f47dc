"""`reviewdesk` as a real process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """`reviewdesk ARGS` as a real process: this environment without any REVIEWDESK_* variable,
    plus `env`."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWDESK_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "reviewdesk", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
    )


def queued_data_dir(tmp_path: Path, n: int) -> Path:
    """A data folder with `n` scans queued ("s0", "s1", ...), as a reviewer's after an import."""
    from reviewdesk.domain.scan import Scan
    from reviewdesk.paths import resolve_paths
    from reviewdesk.store import Store

    data = tmp_path / "data"
    paths = resolve_paths(str(data))
    paths.ensure()
    store = Store(paths.database)
    store.add_scans([Scan(f"s{i}") for i in range(n)])
    store.close()
    return data
