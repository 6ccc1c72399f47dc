"""Helpers for the image service's tests (ui/image_service.py): a simulator, sessions signed in
to it, a service with a recorder of what it emitted, and waits on states and images."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest
from PySide6.QtGui import QImage

from reviewdesk.api.auth import AdminKey, ReviewerToken
from reviewdesk.api.images import ImageResolver
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer
from reviewdesk.ui.image_service import ImageService, ImageState
from support.window import run_on_loop

T = TypeVar("T")
WAIT_MS = 10_000


# -- the loop ----------------------------------------------------------------------------------


def run(qtbot, awaitable: Awaitable[T], timeout: int = WAIT_MS) -> T:
    return run_on_loop(qtbot, awaitable, timeout)


# -- the simulator and a session -----------------------------------------------------------------


@pytest.fixture
def sim() -> Iterator[SimServer]:
    with SimServer(SimConfig(uploading_seconds=1.0, seed=7)) as server:
        yield server


class Session:
    """What the window would hold: one client and one resolver per sign-in."""

    def __init__(self, sim: SimServer, *, reviewer: bool = False, admin_key: str | None = None) -> None:
        if reviewer:
            credential: Any = ReviewerToken.parse(sim.mint_token("tester"))
        else:
            credential = AdminKey(admin_key or sim.config.admin_key)
        self.client = ReviewsClient(sim.base_url, credential)
        self.resolver: ImageResolver | None = ImageResolver(self.client)

    def provider(self) -> ImageResolver | None:
        return self.resolver


@pytest.fixture
def sessions(qloop, qtbot) -> Iterator[Callable[..., Session]]:
    made: list[Session] = []

    def make(sim: SimServer, **kwargs: Any) -> Session:
        made.append(Session(sim, **kwargs))
        return made[-1]

    yield make
    for session in made:
        run(qtbot, session.client.aclose())


class Recorder:
    """Everything a service emits, in order."""

    def __init__(self, service: ImageService) -> None:
        self.states: list[tuple[str, ImageState]] = []
        self.images: list[tuple[str, QImage]] = []
        self.auth: list[str] = []
        service.state_changed.connect(lambda scan_id, state: self.states.append((scan_id, state)))
        service.image_ready.connect(lambda scan_id, image: self.images.append((scan_id, image)))
        service.auth_failed.connect(self.auth.append)

    def kinds(self, scan_id: str) -> list[str]:
        return [state.kind for sid, state in self.states if sid == scan_id]

    def last(self, scan_id: str) -> ImageState | None:
        states = [state for sid, state in self.states if sid == scan_id]
        return states[-1] if states else None


@pytest.fixture
def make_service(qloop, qtbot) -> Iterator[Callable[..., tuple[ImageService, Recorder]]]:
    made: list[ImageService] = []

    def make(provider: Callable[[], ImageResolver | None], **kwargs: Any) -> tuple[ImageService, Recorder]:
        kwargs.setdefault("poll_first", 0.2)
        kwargs.setdefault("poll_max", 0.4)
        service = ImageService(provider, **kwargs)
        made.append(service)
        return service, Recorder(service)

    yield make
    for service in made:
        service.clear()


def wait_state(qtbot, rec: Recorder, scan_id: str, kind: str) -> ImageState:
    qtbot.waitUntil(lambda: rec.last(scan_id) is not None and rec.last(scan_id).kind == kind, timeout=WAIT_MS)
    state = rec.last(scan_id)
    assert state is not None
    return state


def wait_image(qtbot, rec: Recorder, scan_id: str) -> QImage:
    qtbot.waitUntil(lambda: any(sid == scan_id for sid, _ in rec.images), timeout=WAIT_MS)
    return next(image for sid, image in rec.images if sid == scan_id)


def image_hosts_hits(sim: SimServer, status: int) -> int:
    return sum(
        1 for _, path, code in sim.requests_log() if path.startswith("/blackout-images/") and code == status
    )


# -- tests -------------------------------------------------------------------------------------
