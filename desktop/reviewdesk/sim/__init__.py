"""A local stand-in for the Dyneti Reviews API and its S3 image host, for tests and demos.

`SimServer` (runner) serves it on loopback; `create_app` (app) is the bare ASGI app. No Qt here.
Names are imported on first use: the command line builds its parser from `reviewdesk.sim.cli`
and must not pay for uvicorn, starlette and Pillow at every start.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "create_app": "reviewdesk.sim.app",
    "demo_catalog": "reviewdesk.sim.catalog",
    "SimConfig": "reviewdesk.sim.config",
    "SimServer": "reviewdesk.sim.runner",
    "FeedbackRecord": "reviewdesk.sim.state",
}

__all__ = ["FeedbackRecord", "SimConfig", "SimServer", "create_app", "demo_catalog"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'reviewdesk.sim' has no attribute {name!r}")
