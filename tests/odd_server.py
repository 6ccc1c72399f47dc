"""A tiny HTTP server on loopback that answers with canned, odd responses.

For the cases the simulator never produces on purpose: redirects to another host, bodies that
lie about their length, answers that are not JSON, a server that never answers.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

Handler = Callable[[str, str, dict[str, str]], bytes | None]  # (method, target, headers) -> raw response


@dataclass
class OddServer:
    routes: dict[str, Handler] = field(default_factory=dict)
    host: str = "127.0.0.1"
    seen: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

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
            conn.sendall(raw)


def response(
    status: int, body: bytes = b"", headers: dict[str, str] | None = None, length: int | None = None
) -> bytes:
    reason = {200: "OK", 302: "Found", 404: "Not Found", 500: "Internal Server Error"}.get(status, "X")
    lines = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(body) if length is None else length}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body
