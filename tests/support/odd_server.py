"""A tiny HTTP server on loopback that answers with canned, odd responses.

For the cases the simulator never produces on purpose: redirects to another host, bodies that
lie about their length, answers that are not JSON, a server that never answers, bodies far
larger than any answer should be, a server that dribbles a byte at a time. A handler returns
raw bytes, None (never answer), or an iterable of chunks (streamed; `sent` counts the bytes the
socket took before the client hung up).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

# (method, target, headers) -> raw response, None (never answer), or chunks to stream
Handler = Callable[[str, str, dict[str, str]], bytes | Iterable[bytes] | None]


@dataclass
class OddServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    host: str = "127.0.0.1"
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    #: path -> bytes the socket took of streamed answers, counted until the client hung up
    sent: dict[str, int] = field(default_factory=dict)
    #: paths whose streamed answer ended because the client closed the connection
    hung_up: set[str] = field(default_factory=set)

    def __enter__(self) -> OddServer:
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((self.host, 0))
        self._sock.listen(16)
        self._sock.settimeout(0.05)  # so the accept loop notices the stop promptly
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def wait_hung_up(self, path: str, timeout: float = 10.0) -> bool:
        """Whether the client closed the connection of a streamed answer to `path` (waits for it)."""
        deadline = time.monotonic() + timeout
        while path not in self.hung_up and time.monotonic() < deadline:
            time.sleep(0.01)
        return path in self.hung_up

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
            method, target, _ = head[0].split(" ", 2)
            headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in head[1:])}
            self.seen.append((method, target, headers))
            path = target.split("?", 1)[0]
            handler = self.routes.get(path)
            raw = handler(method, target, headers) if handler else response(404, b'{"message":"no"}')
            if raw is None:  # never answer: hold the connection until the server stops
                self._stop.wait(10)
                return
            if isinstance(raw, bytes):
                conn.sendall(raw)
                return
            # A small send buffer, so that what the socket took is close to what the client read.
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
            self.sent[path] = 0
            try:
                for chunk in raw:
                    if self._stop.is_set():
                        return
                    conn.sendall(chunk)
                    self.sent[path] += len(chunk)
            except OSError:  # the client closed the connection: what we wanted to see
                self.hung_up.add(path)


def response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: int | None = None
) -> bytes:
    reason = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body) if length is None else length}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def streamed(
    status: int,
    chunks: Iterable[bytes],
    headers: dict[str, str] | None = None,
    delay: float = 0.0,
) -> Iterator[bytes]:
    """An answer without Content-Length (read until the connection closes), body in `chunks`,
    `delay` seconds before each chunk."""
    reason = {200: "OK", 403: "Forbidden", 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", *(f"{k}: {v}" for k, v in (headers or {}).items())]
    lines.append("Connection: close")
    yield ("\r\n".join(lines) + "\r\n\r\n").encode()
    for chunk in chunks:
        if delay:
            time.sleep(delay)
        yield chunk


def endless(chunk: bytes, total: int) -> Iterator[bytes]:
    """`total` bytes of `chunk` repeated (never all held in memory)."""
    sent = 0
    while sent < total:
        yield chunk
        sent += len(chunk)
