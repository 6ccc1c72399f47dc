"""SimServer: the simulator on a real loopback socket, served by uvicorn in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import threading
import time
from types import TracebackType
from typing import Any, cast

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from reviewdesk.sim.app import DROP_EXTENSION, create_app
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.state import FeedbackRecord, SimState, unique_feedback
from reviewdesk.sim.tokens import mint_token

__all__ = ["FeedbackRecord", "SimServer"]

_START_TIMEOUT = 10.0
_STOP_TIMEOUT = 10.0


class _DroppingH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus a per-request hook that closes the connection unanswered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app(scope: Any, receive: Any, send: Any) -> None:
            scope.setdefault("extensions", {})[DROP_EXTENSION] = self._drop_connection
            await inner(scope, receive, send)

        self.app = cast(Any, app)

    def _drop_connection(self) -> None:
        self.transport.close()


class _Server(uvicorn.Server):
    """uvicorn's Server whose main loop wakes as soon as stop() asks, not at its next 0.1 s tick."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + 1) % 864000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 0.1)

    def request_exit(self) -> None:
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(wake.set)


class SimServer:
    """`with SimServer() as sim:` serves on `sim.base_url`; stop() then start() keeps the port."""

    def __init__(self, config: SimConfig | None = None, port: int = 0, host: str = "127.0.0.1"):
        self.state = SimState(config if config is not None else SimConfig())
        self.host = host
        self.port = port
        self._app = create_app(self.state.config, self.state)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # -- knobs and records ---------------------------------------------------------------------

    @property
    def config(self) -> SimConfig:
        """The live config: change its fields while the server runs."""
        return self.state.config

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def mint_token(self, reviewer: str = "demo-reviewer", lifetime: float | None = None) -> str:
        return mint_token(self.config, self.state.now(), reviewer, lifetime)

    def feedback(self) -> list[FeedbackRecord]:
        return self.state.feedback()

    def feedback_unique(self) -> list[FeedbackRecord]:
        """Feedback deduplicated by `annotationInfo.idempotencyKey` (first wins)."""
        return unique_feedback(self.state.feedback())

    def clear_feedback(self) -> None:
        self.state.clear_feedback()

    def requests_log(self) -> list[tuple[str, str, int]]:
        """(method, path without query, status) of every request; status 0 for a dropped one."""
        return self.state.requests_log()

    # -- lifecycle ----------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _listen(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP, so asyncio sets TCP_NODELAY on accepted connections (no 40 ms stalls).
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            if os.name != "nt":  # lets a restart rebind while old connections sit in TIME_WAIT
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
        except OSError:
            sock.close()
            raise
        return sock

    def start(self) -> SimServer:
        """Listen (on the same port as before, after a stop) and serve; returns once listening."""
        with self._lock:
            if self.running:
                return self
            sock = self._listen()
            self.port = sock.getsockname()[1]
            server = _Server(
                uvicorn.Config(
                    self._app,
                    http=_DroppingH11Protocol,
                    ws="none",
                    lifespan="off",
                    loop="asyncio",
                    log_config=None,
                    log_level="warning",
                    access_log=False,
                    proxy_headers=False,
                    server_header=False,
                    timeout_graceful_shutdown=1,
                )
            )
            thread = threading.Thread(
                target=server.run, args=([sock],), name=f"reviewdesk-sim:{self.port}", daemon=True
            )
            thread.start()
            deadline = time.monotonic() + _START_TIMEOUT
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    server.should_exit = True
                    sock.close()
                    raise RuntimeError(f"the simulator did not start on {self.base_url}")
                time.sleep(0.002)
            self._server, self._thread = server, thread
            return self

    def stop(self) -> None:
        """Stop serving and close every open connection (clients see a transport error)."""
        with self._lock:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is None or thread is None:
                return
            server.request_exit()
            thread.join(_STOP_TIMEOUT)
            if thread.is_alive():
                server.force_exit = True
                thread.join(_STOP_TIMEOUT)

    def __enter__(self) -> SimServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
