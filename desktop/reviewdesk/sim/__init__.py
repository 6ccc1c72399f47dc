"""A local stand-in for the Dyneti Reviews API and its S3 image host, for tests and demos.

`SimServer` (runner) serves it on loopback; `create_app` (app) is the bare ASGI app. No Qt here.
"""

from reviewdesk.sim.app import create_app
from reviewdesk.sim.catalog import demo_catalog
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.sim.state import FeedbackRecord

__all__ = ["FeedbackRecord", "SimConfig", "SimServer", "create_app", "demo_catalog"]
