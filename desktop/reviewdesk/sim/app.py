"""The ASGI app: routes, JSON/XML error handling, and the chaos layer (latency, 503s, drops)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reviewdesk.sim.bouncer import bouncer_routes
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.jumio import jumio_routes
from reviewdesk.sim.preventor import preventor_routes
from reviewdesk.sim.responses import json_error, xml_error
from reviewdesk.sim.routes import build_routes
from reviewdesk.sim.state import SimState
from reviewdesk.sim.tokens import AuthError

#: Key in `scope["extensions"]` of a callable that closes the client connection at once.
DROP_EXTENSION = "reviewdesk.sim.drop_connection"
IMAGE_HOST_PREFIX = "/blackout-images/"
SIM_PREFIX = "/_sim/"


class ConnectionDropped(Exception):
    """Raised in-process (no socket to close) where a real server would drop the connection."""


class ChaosMiddleware:
    """Latency, random 503s and dropped connections; also the (method, path, status) log."""

    def __init__(self, app: ASGIApp, state: SimState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        logged = False

        async def logged_send(message: Message) -> None:
            nonlocal logged
            if message["type"] == "http.response.start" and not logged:
                # Logged before the response leaves: a client that has its answer finds it in the log.
                logged = True
                self.state.log_request(scope["method"], path, message["status"])
            await send(message)

        try:
            if path.startswith(SIM_PREFIX):
                await self.app(scope, receive, logged_send)
                return
            config = self.state.config
            if config.latency > 0:
                await asyncio.sleep(config.latency)
            scripted = self.state.take_scripted(path)
            if scripted is not None:
                kind, retry_after = scripted
                await scripted_answer(kind, path, retry_after)(scope, receive, logged_send)
            elif self.state.chance(config.failure_rate):
                await _unavailable(path)(scope, receive, logged_send)
            elif self.state.chance(config.drop_rate):
                await _drop(scope, receive)
            else:
                await self.app(scope, receive, logged_send)
        finally:
            if not logged:  # the connection was dropped, or the app failed before answering
                self.state.log_request(scope["method"], path, 0)


def _unavailable(path: str, retry_after: float = 1.0) -> Response:
    headers = {"Retry-After": f"{retry_after:g}"}
    if path.startswith(IMAGE_HOST_PREFIX):
        return xml_error(503, "SlowDown", "Please reduce your request rate.", headers=headers)
    return json_error(503, "Service temporarily unavailable", headers=headers)


CAPTIVE_PORTAL = (
    "<!DOCTYPE html><html><head><title>Sign in to the network</title></head>"
    "<body><form>Accept the terms to use this Wi-Fi</form></body></html>"
)


def scripted_answer(kind: str, path: str, retry_after: float) -> Response:
    if kind == "unavailable":
        return _unavailable(path, retry_after)
    return Response(CAPTIVE_PORTAL, status_code=200, media_type="text/html")


async def _drop(scope: Scope, receive: Receive) -> None:
    close: Callable[[], None] | None = scope.get("extensions", {}).get(DROP_EXTENSION)
    if close is None:
        raise ConnectionDropped("the simulator dropped this request's connection")
    close()
    # Wait for the server to notice, so that it does not answer "500" on a dead socket.
    async with asyncio.timeout(5):
        while (await receive())["type"] != "http.disconnect":
            pass


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if request.url.path.startswith(IMAGE_HOST_PREFIX) and exc.status_code == 404:
        return xml_error(404, "NoSuchKey", "The specified key does not exist.")
    return json_error(exc.status_code, exc.detail, headers=dict(exc.headers or {}))


async def _auth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AuthError)
    headers = {"WWW-Authenticate": 'Bearer realm="reviews"'} if exc.status == 401 else None
    return json_error(exc.status, exc.message, headers=headers)


async def _server_error(request: Request, exc: Exception) -> Response:
    return json_error(500, "Internal server error")


def create_app(config: SimConfig, state: SimState | None = None) -> Starlette:
    """The simulator as an ASGI app; `state` (shared with a SimServer) defaults to a fresh one."""
    if state is None:
        state = SimState(config)
    elif state.config is not config:
        raise ValueError("state.config must be the config given to create_app")
    return Starlette(
        routes=[*build_routes(state), *preventor_routes(state), *bouncer_routes(state), *jumio_routes(state)],
        middleware=[Middleware(ChaosMiddleware, state=state)],
        exception_handlers={
            HTTPException: _http_error,
            AuthError: _auth_error,
            Exception: _server_error,
        },
    )
