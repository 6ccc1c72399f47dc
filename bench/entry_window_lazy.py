"""bench/entry_window.py with the proposed start-up fixes emulated in this process only (a
demonstration for docs/PERFORMANCE.md, not a way to run the product). Prints `READY <monotonic>`.

1. version:   `reviewdesk/__init__.py` without importlib.metadata (the package module is made here
              with a literal `__version__` and the real folder as its path).
2. httpx-cli: httpx without its command-line module (`httpx._main` pulls click, rich and pygments
              when they are installed, as in this dev venv): what a user's install or a bundle that
              excludes them gets. Emulated by making `import httpx._main` fail, which httpx handles.
3. jwt:       the client reads a reviewer token's claims itself (base64 + JSON: it never verifies
              the signature, it cannot) instead of importing PyJWT, which imports cryptography.
              Emulated with a minimal `jwt` module offering the `decode` and `PyJWTError` used.
4. ssl:       the TLS context (CA bundle parsing) is made in a thread as the process starts, and the
              http client is built with it, instead of on the GUI thread in `Services.__init__`.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
import threading
import time
import types
from pathlib import Path
from typing import Any

FIXES = ("version", "httpx-cli", "jwt", "ssl")


def _jwt_stub() -> types.ModuleType:
    module = types.ModuleType("jwt")

    class PyJWTError(Exception):
        pass

    def decode(token: str, options: Any = None, **_: Any) -> dict[str, Any]:
        try:
            payload = token.split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        except (IndexError, ValueError) as exc:
            raise PyJWTError(str(exc)) from None
        if not isinstance(claims, dict):
            raise PyJWTError("the payload is not an object")
        return claims

    module.PyJWTError = PyJWTError  # type: ignore[attr-defined]
    module.decode = decode  # type: ignore[attr-defined]
    return module


def apply(fixes: list[str]) -> None:
    spec = importlib.util.find_spec("reviewdesk")
    assert spec is not None and spec.submodule_search_locations
    root = Path(next(iter(spec.submodule_search_locations)))
    if "version" in fixes:
        package = types.ModuleType("reviewdesk")
        package.__path__ = [str(root)]  # type: ignore[attr-defined]
        package.__file__ = str(root / "__init__.py")
        package.__version__ = "0.1.0"  # type: ignore[attr-defined]
        sys.modules["reviewdesk"] = package
    if "httpx-cli" in fixes:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # `import httpx._main` fails
    if "jwt" in fixes:
        sys.modules["jwt"] = _jwt_stub()
    if "ssl" in fixes:
        made: dict[str, Any] = {}

        def make() -> None:
            import ssl

            import certifi

            made["ctx"] = ssl.create_default_context(cafile=certifi.where())

        thread = threading.Thread(target=make, daemon=True)
        thread.start()
        import reviewdesk.api.http as http

        original = http.make_http_client

        def make_http_client(**kwargs: Any) -> Any:
            import httpx

            thread.join()
            limits = httpx.Limits(max_connections=16, max_keepalive_connections=8)  # as make_http_client
            return original(**kwargs, transport=httpx.AsyncHTTPTransport(verify=made["ctx"], limits=limits))

        http.make_http_client = make_http_client  # type: ignore[assignment]
        import reviewdesk.services as services

        services.make_http_client = make_http_client  # type: ignore[attr-defined]


def main() -> int:
    argv = sys.argv[1:]
    fixes = list(FIXES)
    if argv[:1] == ["--fixes"]:
        fixes, argv = [f for f in argv[1].split(",") if f], argv[2:]
    apply(fixes)
    import asyncio

    import reviewdesk.app as app
    from reviewdesk.cli import main as cli_main

    async def start_only(args: Any) -> int:
        from PySide6.QtCore import QTimer

        built = await app.build(args)
        built.window.show()
        done = asyncio.get_running_loop().create_future()
        QTimer.singleShot(0, lambda: done.done() or done.set_result(None))
        await done
        print(f"READY {time.monotonic():.6f}", flush=True)
        os._exit(0)

    app.main_async = start_only  # type: ignore[assignment]
    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
