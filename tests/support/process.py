"""`reviewdesk` as a real process, as a user runs it."""

from __future__ import annotations

import os
import subprocess
import sys


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
