"""ReviewDesk: a desktop client for fraud reviewers of Dyneti blackout images."""

import sys
import time

#: When this process began running ReviewDesk's code (for `reviewdesk -vv`'s start-up phases).
STARTED = time.monotonic()

# The one source of the version: pyproject.toml reads it from here ([tool.hatch.version]), and the
# installed metadata and the frozen bundle follow. A literal: no importlib.metadata at every start.
__version__ = "0.1.0"

# `import httpx` also imports httpx's own command line (httpx._main, with click, rich and pygments)
# whenever those happen to be installed: 70-140 ms of every start, for a tool ReviewDesk never runs.
# A None entry makes that import fail at once, and httpx falls back to a stub `httpx.main`.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[assignment]
