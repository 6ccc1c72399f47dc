"""ImageService against the simulator over loopback, on a qasync loop driven by pytest-qt.

The qasync + pytest-qt pattern (fixture `qloop`): tests stay synchronous. A `qasync.QEventLoop`
is made the running asyncio loop of the main thread (`asyncio.events._set_running_loop`, which
is what qasync itself does in run_forever); its timers and socket notifiers are plain Qt
events, so every `qtbot.waitSignal` / `qtbot.waitUntil` (they spin Qt event loops) also runs the
asyncio tasks. Coroutines a test must finish (closing the http client) go through `run()`, which
waits with `qtbot.waitUntil`.

Pitfalls met on the way: `QEventLoop(app, already_running=True)` works until teardown, but its
`stop()` calls `QApplication.exit()` with no exec() running, which leaves Qt's "quit now" flag set:
from then on every nested QEventLoop.exec() (so every qtbot wait) returns at once and the next
test's tasks never run. So the loop is never marked running and never stopped, only closed.
Neither `run_until_complete` nor pytest-asyncio tests are used: a qtbot wait inside a coroutine
would nest Qt loops inside app.exec(), and an asyncSlot returns before its work is done.
"""

from __future__ import annotations

import asyncio
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from PySide6.QtCore import QSize
from PySide6.QtGui import QImage

from reviewdesk.api.auth import ReviewerToken
from reviewdesk.api.images import ImageResolver
from reviewdesk.api.reviews import ReviewsClient
from reviewdesk.ui.image_decode import decode_image_async, full_size, is_preview
from reviewdesk.ui.image_service import READY, ImageService, ImageState
from reviewdesk.ui.image_view import ImageView
from support.images import (
    WAIT_MS,
    Recorder,
    image_hosts_hits,
    run,
    wait_image,
    wait_state,
)
from support.images import make_service as make_service  # noqa: F401  (the fixture)
from support.images import sessions as sessions  # noqa: F401  (the fixture)
from support.images import sim as sim  # noqa: F401  (the fixture)
from support.window import run_on_loop


def test_decode_image_async_runs_off_the_gui_thread(qloop, qtbot):
    import threading

    main = threading.get_ident()
    out = io.BytesIO()
    Image.new("RGB", (30, 20), (1, 2, 3)).save(out, format="JPEG")
    seen: list[int] = []

    async def decode_and_note() -> QImage:
        from reviewdesk.ui import image_decode

        original = image_decode.decode_image

        def spy(data: bytes, **kwargs: Any) -> QImage:
            seen.append(threading.get_ident())
            return original(data, **kwargs)

        image_decode.decode_image = spy
        try:
            return await decode_image_async(out.getvalue())
        finally:
            image_decode.decode_image = original

    image = run(qtbot, decode_and_note())
    assert image.width() == 30
    assert seen and seen[0] != main


def test_a_normal_image_arrives(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-one", [])
    assert rec.kinds("ready-one") == ["loading"]
    image = wait_image(qtbot, rec, "ready-one")
    assert not image.isNull() and image.width() >= 640
    assert rec.kinds("ready-one") == ["loading", "ready"]
    assert service.cached("ready-one") is not None
    assert service.state_of("ready-one") == READY


def test_a_normal_image_arrives_for_a_reviewer_token(sim, sessions, make_service, qtbot):
    session = sessions(sim, reviewer=True)
    service, rec = make_service(session.provider)
    service.show("ready-reviewer", [])
    assert wait_image(qtbot, rec, "ready-reviewer").width() >= 640


def test_prefetch_fills_the_cache_for_the_next_three_and_shows_them_at_once(
    sim, sessions, make_service, qtbot
):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    queue = [f"ready-q{i}" for i in range(6)]
    service.show(queue[0], queue[1:])
    qtbot.waitUntil(lambda: all(service.cached(s) is not None for s in queue[:4]), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert service.cached(queue[4]) is None and service.cached(queue[5]) is None
    # Prefetches are silent: only the scan shown had signals.
    assert {sid for sid, _ in rec.states} == {queue[0]}

    # Moving on paints synchronously, before show() returns, with no request.
    before = len(sim.requests_log())
    service.show(queue[1], queue[2:])
    assert rec.images[-1][0] == queue[1]
    assert rec.kinds(queue[1]) == ["ready"]
    assert len(sim.requests_log()) == before
    qtbot.waitUntil(lambda: service.cached(queue[4]) is not None, timeout=WAIT_MS)


def test_prefetch_count_can_change_and_unwanted_prefetches_are_cancelled(sim, sessions, make_service, qtbot):
    sim.config.latency = 0.5  # keep the fetches in flight while the queue moves
    session = sessions(sim)
    service, rec = make_service(session.provider, prefetch=2)
    service.show("ready-c0", ["ready-c1", "ready-c2", "ready-c3"])
    assert service.pending() == {"ready-c0", "ready-c1", "ready-c2"}
    service.show("ready-d0", ["ready-d1"])  # the reviewer jumped elsewhere
    assert service.pending() == {"ready-d0", "ready-d1"}
    service.set_prefetch(0)
    assert service.pending() == {"ready-d0"}
    wait_image(qtbot, rec, "ready-d0")
    assert service.cached("ready-c0") is None
    assert not any(sid == "ready-c0" for sid, _ in rec.images)


def test_prefetch_concurrency_is_bounded(sim, sessions, make_service, qtbot):
    sim.config.latency = 0.2
    session = sessions(sim)
    assert session.resolver is not None
    real_fetch = session.resolver.fetch
    running = {"now": 0, "max": 0}

    async def counting_fetch(scan_id: str) -> Any:
        running["now"] += 1
        running["max"] = max(running["max"], running["now"])
        try:
            return await real_fetch(scan_id)
        finally:
            running["now"] -= 1

    session.resolver.fetch = counting_fetch  # type: ignore[method-assign]
    service, rec = make_service(session.provider, prefetch=6, concurrency=2)
    queue = [f"ready-b{i}" for i in range(7)]
    service.show(queue[0], queue[1:])
    qtbot.waitUntil(lambda: all(service.cached(s) is not None for s in queue), timeout=WAIT_MS)
    assert running["max"] == 3  # the scan shown, plus two prefetches at a time


def test_a_prefetched_upload_is_polled_once_shown(sim, sessions, make_service, qtbot):
    sim.config.uploading_seconds = 0.8
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-u0", ["uploading-u1"])
    wait_image(qtbot, rec, "ready-u0")
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)  # the prefetch gave up its slot
    assert service.cached("uploading-u1") is None
    service.show("uploading-u1", [])
    wait_image(qtbot, rec, "uploading-u1")
    assert "uploading" in rec.kinds("uploading-u1")


def test_an_item_shown_as_its_prefetch_gives_up_is_still_polled(
    sim, sessions, make_service, qtbot, monkeypatch
):
    """Under load the task's done-callback runs a while after its coroutine ended: showing the item in
    between must start a fetch that polls, not adopt the finished prefetch (it left the pane on
    "uploading" for good; seen once in CI on the demo)."""
    sim.config.uploading_seconds = 0.8
    loop = asyncio.get_event_loop()
    ended: list[str] = []
    original = ImageService._job_done

    def late_done(self, job, task=None):
        ended.append(job.item)
        loop.call_later(0.3, original, self, job, task)

    monkeypatch.setattr(ImageService, "_job_done", late_done)
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-u0", ["uploading-u1"])
    wait_image(qtbot, rec, "ready-u0")
    qtbot.waitUntil(lambda: "uploading-u1" in ended, timeout=WAIT_MS)  # the prefetch gave up
    service.show("uploading-u1", [])
    wait_image(qtbot, rec, "uploading-u1")


def test_a_bare_404_for_a_reviewer_is_checked_again_then_not_found(sim, sessions, make_service, qtbot):
    session = sessions(sim, reviewer=True)  # /reviews/b without a status: only the 404 tells
    service, rec = make_service(session.provider, bare_404_checks=2)
    state = wait_state_after_show(service, rec, qtbot, "missing-r", "not_found")
    assert "may still be uploading" in state.message
    # what is known, not a guess: "checking whether it exists", never "still uploading"
    assert rec.kinds("missing-r") == ["loading", "checking", "checking", "not_found"]
    assert all("checking whether it exists" in s.message for sid, s in rec.states if s.kind == "checking")
    assert image_hosts_hits(sim, 404) == 3
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert service.state_of("missing-r") is None  # not remembered: showing it again asks again


def test_uploading_for_a_reviewer_without_status_is_polled_until_ready(sim, sessions, make_service, qtbot):
    sim.config.uploading_seconds = 0.3
    session = sessions(sim, reviewer=True)
    service, rec = make_service(session.provider)
    service.show("uploading-r", [])
    wait_image(qtbot, rec, "uploading-r")
    kinds = rec.kinds("uploading-r")
    # not told UPLOADING, the pane does not claim it: it says it is checking
    assert kinds[0] == "loading" and "checking" in kinds and kinds[-1] == "ready"
    assert "uploading" not in kinds


def test_uploading_with_a_status_for_a_reviewer_is_polled(sim, sessions, make_service, qtbot):
    sim.config.b_includes_status = True
    sim.config.uploading_seconds = 0.5
    session = sessions(sim, reviewer=True)
    service, rec = make_service(session.provider, bare_404_checks=0)
    service.show("uploading-s", [])
    wait_image(qtbot, rec, "uploading-s")
    assert "uploading" in rec.kinds("uploading-s")
    assert image_hosts_hits(sim, 404) == 0  # the status said so: no download tried meanwhile


def test_filenotfound_gives_not_found(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    state = wait_state_after_show(service, rec, qtbot, "missing-1", "not_found")
    assert "FILENOTFOUND" in state.message
    # Remembered: showing it again needs no request.
    before = len(sim.requests_log())
    service.show("missing-1", [])
    assert rec.last("missing-1").kind == "not_found"
    assert len(sim.requests_log()) == before


def wait_state_after_show(service, rec, qtbot, scan_id, kind):
    service.show(scan_id, [])
    return wait_state(qtbot, rec, scan_id, kind)


def test_uploading_is_polled_with_backoff_until_ready(sim, sessions, make_service, qtbot):
    sim.config.uploading_seconds = 1.2
    session = sessions(sim)
    service, rec = make_service(session.provider, poll_first=0.2, poll_max=0.4)
    service.show("uploading-1", [])
    wait_image(qtbot, rec, "uploading-1")
    kinds = rec.kinds("uploading-1")
    assert kinds[0] == "loading" and kinds[-1] == "ready"
    assert "uploading" in kinds
    waits = [s.message for sid, s in rec.states if sid == "uploading-1" and s.kind == "uploading"]
    # 0.2 s, then doubled, then capped at 0.4 s.
    assert waits[0].endswith("checking again in 0.2 s")
    assert waits[1].endswith("checking again in 0.4 s")
    assert all(w.endswith("0.4 s") for w in waits[2:])


def test_uploading_default_backoff_is_1_2_4_capped_at_30(sim, sessions, qloop, qtbot, monkeypatch):
    sleeps: list[float] = []
    real_sleep = asyncio.sleep

    async def fast_sleep(delay: float, *args: Any) -> None:
        sleeps.append(delay)
        await real_sleep(0)

    monkeypatch.setattr("reviewdesk.ui.image_service.asyncio.sleep", fast_sleep)
    sim.config.uploading_seconds = 3600
    session = sessions(sim)
    service = ImageService(session.provider)
    try:
        service.show("uploading-slow", [])
        qtbot.waitUntil(lambda: len(sleeps) >= 7, timeout=WAIT_MS)
        assert sleeps[:7] == [1, 2, 4, 8, 16, 30, 30]
    finally:
        service.clear()


def test_corrupt_gives_error(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    state = wait_state_after_show(service, rec, qtbot, "corrupt-1", "error")
    assert state.message.startswith("image could not be decoded")


def test_huge_gives_too_large(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    state = wait_state_after_show(service, rec, qtbot, "huge-1", "too_large")
    assert "image too large (20000x20000 px)" in state.message


def test_an_expired_url_is_refreshed_and_the_image_still_shows(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-exp", [])
    wait_image(qtbot, rec, "ready-exp")
    assert image_hosts_hits(sim, 403) == 0
    # The server's clock jumps two hours: the URL the resolver holds looks fresh to us, but the
    # image host now finds it expired (403). One new URL, and the image shows.
    sim.config.clock_offset = 7200
    service.clear()  # empties the image cache, keeps the session's URLs
    rec.images.clear()
    service.show("ready-exp", [])
    wait_image(qtbot, rec, "ready-exp")
    assert image_hosts_hits(sim, 403) == 1
    assert rec.last("ready-exp") == READY


def test_a_short_url_lifetime_is_refreshed_before_use(sim, sessions, make_service, qtbot):
    sim.config.url_lifetime = 2
    session = sessions(sim, reviewer=True)  # /reviews/b: the server picks the lifetime
    service, rec = make_service(session.provider)
    service.show("ready-short", [])
    wait_image(qtbot, rec, "ready-short")
    assert image_hosts_hits(sim, 403) == 0


def test_tight_crop_for_admins_invalidates_the_cache(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-t0", ["ready-t1"])
    full = wait_image(qtbot, rec, "ready-t0")
    qtbot.waitUntil(lambda: service.cached("ready-t1") is not None, timeout=WAIT_MS)
    rec.images.clear()
    service.set_tight(True)
    assert service.tight
    assert service.cached("ready-t1") is None
    tight = wait_image(qtbot, rec, "ready-t0")
    assert tight.width() < full.width()  # the card only, without the table around it
    assert any(path.startswith("/reviews/image/ready-t0.jpg") for _, path, _ in sim.requests_log())


def test_auth_failure_is_passed_on_once(sim, sessions, make_service, qtbot):
    session = sessions(sim, admin_key="not-the-key")
    service, rec = make_service(session.provider)
    service.show("ready-a0", ["ready-a1", "ready-a2"])
    state = wait_state(qtbot, rec, "ready-a0", "error")
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert len(rec.auth) == 1  # three scans failed, one prompt
    assert "failed" in state.message and "failed" in rec.auth[0]  # (a prefetch may fail first)


def test_signed_out_gives_an_error_state(sim, sessions, make_service, qtbot):
    service, rec = make_service(lambda: None)
    state = wait_state_after_show(service, rec, qtbot, "ready-x", "error")
    assert "sign in" in state.message.lower()


def test_no_connection_says_retrying_and_recovers_without_a_key_press(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    sim.stop()
    state = wait_state_after_show(service, rec, qtbot, "ready-net", "retrying")
    assert state.message.startswith("No connection to the server: retrying in ")
    sim.start()  # same port; nobody presses a key
    wait_image(qtbot, rec, "ready-net")
    assert "error" not in rec.kinds("ready-net")


@pytest.mark.parametrize("path", ["/reviews/b", "/blackout-images/"])
def test_a_503_with_retry_after_shows_the_wait_then_the_image(sim, sessions, make_service, qtbot, path):
    sim.config.unavailable = {path: 1}
    sim.config.unavailable_retry_after = 1
    session = sessions(sim, reviewer=True)
    service, rec = make_service(session.provider)
    service.show("ready-503", [])
    wait_image(qtbot, rec, "ready-503")
    retrying = [s.message for sid, s in rec.states if sid == "ready-503" and s.kind == "retrying"]
    assert retrying == ["Server error 503: retrying in 1 s"]
    assert [st for _, p, st in sim.requests_log() if p.startswith(path)][:2] == [503, 200]


def test_network_error_then_retry_key(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    sim.stop()
    wait_state_after_show(service, rec, qtbot, "ready-net", "retrying")
    sim.start()  # same port
    service.retry("ready-net")  # Ctrl+R still tries at once
    assert rec.last("ready-net").kind == "loading"
    wait_image(qtbot, rec, "ready-net")


def test_clear_forgets_everything(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    service.show("ready-z0", ["ready-z1"])
    qtbot.waitUntil(lambda: service.cached("ready-z1") is not None, timeout=WAIT_MS)
    service.clear()
    assert service.cached("ready-z0") is None and service.cached("ready-z1") is None
    assert service.cache.bytes_used == 0 and not service.pending() and service.current is None


def test_render_the_view_with_a_sim_image_and_with_a_state(sim, sessions, make_service, qtbot):
    session = sessions(sim)
    service, rec = make_service(session.provider)
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(800, 520)
    view.show()
    qtbot.waitExposed(view)
    service.image_ready.connect(lambda _sid, image: view.set_image(image))
    service.state_changed.connect(lambda _sid, state: view.set_state(state))

    service.show("ready-render", [])
    wait_image(qtbot, rec, "ready-render")
    assert view.has_image
    shot = view.grab()
    assert shot.save("/tmp/image_view.png")

    view.set_hint("No image: press X for no_action_no_image_available")
    wait_state_after_show(service, rec, qtbot, "missing-render", "not_found")
    assert not view.has_image
    assert view.message_lines()[-1].startswith("No image: press X")
    assert view.grab().save("/tmp/image_view_state.png")


# -- large JPEGs: a preview first, then the full image ---------------------------------------------

BIG_W, BIG_H = 4000, 2400  # 9.6 MP: in the default pane (620x800) the preview is 1/2, 2000x1200


def jpeg_bytes(width: int, height: int) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, width // 2, height))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(scope="module")
def big() -> bytes:
    return jpeg_bytes(BIG_W, BIG_H)


@pytest.fixture(scope="module")
def small() -> bytes:
    return jpeg_bytes(1000, 630)


class _Fetched:
    def __init__(self, data: bytes) -> None:
        self.data = data


class MemoryResolver:
    """An ImageResolver stand-in: bytes from memory at once; counts the fetches."""

    class client:  # noqa: N801 - mimics ImageResolver.client
        is_admin = False

    def __init__(self, images: dict[str, bytes]) -> None:
        self.images = images
        self.fetches: list[str] = []

    def provider(self) -> MemoryResolver:
        return self

    def forget(self, scan_id: str | None = None) -> None:
        pass

    async def fetch(self, scan_id: str) -> _Fetched:
        self.fetches.append(scan_id)
        return _Fetched(self.images[scan_id])


class FullDecodes:
    """Wraps the service's full decode (the one after a preview): counts it, can hold it back."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from reviewdesk.ui import image_service

        self.real = image_service.decode_image
        self.go = threading.Event()
        self.go.set()
        self.lock = threading.Lock()
        self.started = 0
        self.finished = 0
        self.running = 0
        self.max_running = 0
        monkeypatch.setattr(image_service, "decode_image", self)

    def __call__(self, data: bytes, **kwargs: Any) -> QImage:
        with self.lock:
            self.started += 1
            self.running += 1
            self.max_running = max(self.max_running, self.running)
        try:
            assert self.go.wait(WAIT_MS / 1000)
            return self.real(data, **kwargs)
        finally:
            with self.lock:
                self.running -= 1
                self.finished += 1


@pytest.fixture
def full_decodes(monkeypatch) -> Iterator[FullDecodes]:
    decodes = FullDecodes(monkeypatch)
    yield decodes
    decodes.go.set()  # never leave a decode thread waiting (closing the loop waits for them)


def images_of(rec: Recorder, scan_id: str) -> list[QImage]:
    return [image for sid, image in rec.images if sid == scan_id]


def test_a_large_jpeg_shows_a_preview_then_the_full_image(make_service, qtbot, big, full_decodes):
    resolver = MemoryResolver({"big": big})
    service, rec = make_service(resolver.provider, prefetch=0)
    service.show("big", [])
    preview = wait_image(qtbot, rec, "big")
    assert is_preview(preview)
    assert preview.size() == QSize(BIG_W // 2, BIG_H // 2)
    assert full_size(preview) == QSize(BIG_W, BIG_H)
    qtbot.waitUntil(lambda: len(images_of(rec, "big")) == 2, timeout=WAIT_MS)
    full = images_of(rec, "big")[1]
    assert full.size() == QSize(BIG_W, BIG_H) and not is_preview(full)
    assert rec.kinds("big") == ["loading", "ready"]  # the upgrade is an image, not a new state
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    # The full image replaced the preview, and the JPEG bytes kept for it are gone.
    assert service.cached("big").size() == QSize(BIG_W, BIG_H)
    assert service.cache.source("big") is None
    assert service.cache.bytes_used == full.sizeInBytes()
    assert resolver.fetches == ["big"] and full_decodes.started == 1


def test_a_small_image_takes_the_same_single_decode_as_before(make_service, qtbot, small, full_decodes):
    resolver = MemoryResolver({"card": small})
    service, rec = make_service(resolver.provider, prefetch=0)
    service.show("card", [])
    image = wait_image(qtbot, rec, "card")
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert image.size() == QSize(1000, 630) and not is_preview(image)
    assert len(images_of(rec, "card")) == 1 and full_decodes.started == 0
    assert service.cache.source("card") is None and service.cache.bytes_used == image.sizeInBytes()


def test_moving_on_cancels_the_full_decode_and_it_never_replaces_the_newer_scan(
    make_service, qtbot, big, small, full_decodes
):
    resolver = MemoryResolver({"big-a": big, "big-b": big, "card": small})
    service, rec = make_service(resolver.provider, prefetch=0)
    view = ImageView()
    qtbot.addWidget(view)
    view.resize(620, 800)
    shown: dict[str, str | None] = {"id": None}

    def on_ready(scan_id: str, image: QImage) -> None:  # as ReviewController._image_ready
        if scan_id == service.current:
            shown["id"] = scan_id
            view.set_image(image)

    service.image_ready.connect(on_ready)
    full_decodes.go.clear()  # hold the full decodes back
    service.show("big-a", [])
    wait_image(qtbot, rec, "big-a")
    qtbot.waitUntil(lambda: full_decodes.started == 1, timeout=WAIT_MS)  # a's full decode is running
    service.show("big-b", [])  # the reviewer moves on before it finishes
    qtbot.waitUntil(lambda: len(images_of(rec, "big-b")) == 1, timeout=WAIT_MS)
    assert shown["id"] == "big-b" and is_preview(view.image())
    assert service.pending() == {"big-b"}  # a's upgrade is cancelled; b's waits for its turn
    full_decodes.go.set()
    qtbot.waitUntil(lambda: len(images_of(rec, "big-b")) == 2, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: full_decodes.finished == 2 and not service.pending(), timeout=WAIT_MS)
    assert len(images_of(rec, "big-a")) == 1  # only its preview: the late full image was dropped
    assert rec.images[-1][0] == "big-b" and shown["id"] == "big-b"
    assert view.image().size() == QSize(BIG_W, BIG_H) and not is_preview(view.image())
    assert full_decodes.max_running == 1  # one full decode at a time: memory stays bounded
    # a keeps its preview (and the bytes): showing it again paints at once and needs no download
    assert is_preview(service.cached("big-a")) and service.cache.source("big-a") == big
    service.show("big-a", [])
    assert rec.images[-1][0] == "big-a" and is_preview(rec.images[-1][1])
    qtbot.waitUntil(lambda: len(images_of(rec, "big-a")) == 3, timeout=WAIT_MS)
    assert not is_preview(images_of(rec, "big-a")[-1])
    assert resolver.fetches.count("big-a") == 1

    # A newer scan that is small: the pending full decode of a large one never lands on it.
    full_decodes.go.clear()
    service.show("big-b", [])  # cached full: shown at once, nothing to decode
    assert not service.pending()
    service.retry("big-b")  # fetched again: preview, then a held full decode
    qtbot.waitUntil(lambda: full_decodes.started == 4, timeout=WAIT_MS)
    service.show("card", [])
    wait_image(qtbot, rec, "card")
    full_decodes.go.set()
    qtbot.waitUntil(lambda: full_decodes.finished == 4 and not service.pending(), timeout=WAIT_MS)
    assert rec.images[-1][0] == "card" and shown["id"] == "card"
    assert view.image().size() == QSize(1000, 630)


def test_prefetch_decodes_previews_only_and_moving_on_paints_one_at_once(
    make_service, qtbot, big, full_decodes
):
    queue = [f"big-{i}" for i in range(4)]
    resolver = MemoryResolver(dict.fromkeys(queue, big))
    service, rec = make_service(resolver.provider, prefetch=2)
    service.show(queue[0], queue[1:])
    qtbot.waitUntil(lambda: all(service.cached(s) is not None for s in queue[:3]), timeout=WAIT_MS)
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert not is_preview(service.cached(queue[0]))
    for scan_id in queue[1:3]:  # prefetched: a preview, and the JPEG bytes to finish it
        assert is_preview(service.cached(scan_id)) and service.cache.source(scan_id) == big
    assert full_decodes.started == 1  # the scan shown only
    service.show(queue[1], queue[2:])
    assert rec.images[-1][0] == queue[1] and is_preview(rec.images[-1][1])  # before show() returned
    qtbot.waitUntil(lambda: len(images_of(rec, queue[1])) == 2, timeout=WAIT_MS)
    assert not is_preview(images_of(rec, queue[1])[1])
    assert resolver.fetches.count(queue[1]) == 1  # the full image came from the kept bytes
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert full_decodes.started == 2


def test_the_cache_bound_holds_with_previews_and_full_images(make_service, qtbot, big):
    queue = [f"big-{i}" for i in range(6)]
    resolver = MemoryResolver(dict.fromkeys(queue, big))
    full_bytes = BIG_W * BIG_H * 4
    budget = full_bytes + 2 * (full_bytes // 4 + len(big)) + 1024  # the full one and two previews
    service, rec = make_service(resolver.provider, prefetch=2, cache_bytes=budget)
    seen: list[int] = []

    def check(_sid: str, _image: QImage) -> None:
        cache = service.cache
        seen.append(cache.bytes_used)
        assert cache.bytes_used <= cache.max_bytes
        assert cache.bytes_used == sum(
            cache.peek(k).sizeInBytes() + len(cache.source(k) or b"") for k in cache
        )

    service.image_ready.connect(check)
    for i, scan_id in enumerate(queue):
        service.show(scan_id, queue[i + 1 :])
        qtbot.waitUntil(lambda s=scan_id: len(images_of(rec, s)) == 2, timeout=WAIT_MS)
        qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
        check(scan_id, QImage())
        assert service.cached(scan_id).size() == QSize(BIG_W, BIG_H)
    assert max(seen) <= budget and len(seen) >= 2 * len(queue)


def test_a_full_image_over_the_cache_budget_is_shown_and_the_preview_stays_cached(make_service, qtbot, big):
    resolver = MemoryResolver({"big": big})
    service, rec = make_service(resolver.provider, prefetch=0, cache_bytes=20 * 2**20)
    service.show("big", [])
    qtbot.waitUntil(lambda: len(images_of(rec, "big")) == 2, timeout=WAIT_MS)
    assert images_of(rec, "big")[1].size() == QSize(BIG_W, BIG_H)
    assert is_preview(service.cached("big")) and service.cache.bytes_used <= 20 * 2**20


def test_clear_drops_a_full_decode_under_way(make_service, qtbot, big, full_decodes):
    resolver = MemoryResolver({"big": big, "big-2": big})
    service, rec = make_service(resolver.provider, prefetch=0)
    full_decodes.go.clear()
    service.show("big", [])
    wait_image(qtbot, rec, "big")
    qtbot.waitUntil(lambda: full_decodes.started == 1, timeout=WAIT_MS)
    service.clear()  # sign-out
    assert not service.pending() and service.cache.bytes_used == 0
    full_decodes.go.set()
    # One full decode at a time: the next scan's full image comes only after the dropped decode
    # ended and its end was handled; so by then that one would have been shown, had it not been dropped.
    service.show("big-2", [])
    qtbot.waitUntil(lambda: len(images_of(rec, "big-2")) == 2, timeout=WAIT_MS)
    assert full_decodes.finished == 2
    assert len(images_of(rec, "big")) == 1 and service.cached("big") is None


def test_the_view_size_chooses_the_preview(make_service, qtbot, big):
    resolver = MemoryResolver({"big": big, "big-2": big})
    service, rec = make_service(resolver.provider, prefetch=0, view_size=QSize(300, 300))
    assert service.view_size == QSize(300, 300)
    service.show("big", [])
    assert wait_image(qtbot, rec, "big").size() == QSize(BIG_W // 4, BIG_H // 4)
    service.set_view_size(QSize(2000, 2000))  # a view this big gets the whole image at once
    service.show("big-2", [])
    image = wait_image(qtbot, rec, "big-2")
    assert image.size() == QSize(BIG_W, BIG_H) and not is_preview(image)


def test_an_image_host_that_dribbles_does_not_keep_the_pane_on_loading(sim, make_service, qtbot):
    """A byte every 0.2 s: the download's deadline (shortened here) ends it and the pane says so
    and tries again by itself, instead of "Loading the image…" for as long as anyone watches."""
    import json as json_module

    from support.odd_server import OddServer, endless, response, streamed

    with OddServer() as srv:
        link = f"{srv.base_url}/img.jpg?X-Amz-Date=20990101T000000Z&X-Amz-Expires=3600"
        srv.routes["/reviews/b"] = lambda *_: response(
            200, json_module.dumps({"imageSrc": link}).encode(), {"Content-Type": "application/json"}
        )
        srv.routes["/img.jpg"] = lambda *_: streamed(200, endless(b"\xff", 100), {}, 0.2)
        client = ReviewsClient(
            srv.base_url, ReviewerToken.parse(sim.mint_token("tester")), image_deadline=1.0
        )
        resolver = ImageResolver(client)
        service, rec = make_service(lambda: resolver)
        service.show("slow-1", [])
        state = wait_state(qtbot, rec, "slow-1", "retrying")
        assert state.message.startswith("The server did not answer in time: retrying in ")
        assert rec.kinds("slow-1")[0] == "loading"
        service.clear()
        run_on_loop(qtbot, client.aclose())


def test_prefetch_plans_every_image_of_the_next_items_within_the_bound() -> None:
    from reviewdesk.sources.base import ImageRef
    from reviewdesk.ui.image_service import plan_prefetch

    refs = {
        "scan-1": (ImageRef("front", "Card"),),
        "jumio:a": tuple(ImageRef(k, k) for k in ("front", "back", "face")),
        "jumio:b": None,  # not listed yet: listed first
        "scan-2": (ImageRef("front", "Card"),),
    }
    upcoming = ["scan-0", "scan-1", "jumio:a", "jumio:b", "scan-2"]
    to_list, wanted = plan_prefetch("scan-0", upcoming, 3, refs.get, 10)
    assert to_list == ["jumio:b"]
    assert wanted == [("scan-1", "front"), ("jumio:a", "front"), ("jumio:a", "back"), ("jumio:a", "face")]
    _, bounded = plan_prefetch("scan-0", upcoming, 4, refs.get, 2)  # the cache holds two more
    assert bounded == [("scan-1", "front"), ("jumio:a", "front")]
    assert plan_prefetch("scan-0", upcoming, 0, refs.get, 10) == ([], [])


def test_showing_an_item_again_as_its_listing_fails_still_gets_the_failure(sim, make_service, qtbot):
    """The window may show the item again (a click, a key) between the end of a failed listing and
    its task's done-callback: that show must not wait on the finished listing forever."""
    from reviewdesk.sources.jumio import JumioSource
    from reviewdesk.sources.registry import SourceRegistry
    from support.jumio import client as jumio_client

    c = jumio_client(sim)
    registry = SourceRegistry(JumioSource(c))
    service, rec = make_service(registry, prefetch=0)
    item = "jumio:pending-5-again"
    shown_again: list[bool] = []

    def again(sid: str, state: ImageState) -> None:
        if state.kind == "error" and not shown_again:
            shown_again.append(True)
            service.show(item)  # while the failed listing's task is still finishing

    service.state_changed.connect(again)
    service.show(item)
    qtbot.waitUntil(lambda: bool(shown_again), timeout=WAIT_MS)
    wait_state(qtbot, rec, item, "error")
    assert "still PENDING" in rec.last(item).message
    qtbot.waitUntil(lambda: not service.pending(), timeout=WAIT_MS)
    assert rec.last(item).kind == "error"
    run(qtbot, c.aclose())
