"""`reviewdesk sim`: run the simulator in the foreground until Ctrl+C or SIGTERM."""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
from types import FrameType

from reviewdesk.sim.config import (
    ADMIN_HEADER_MODES,
    B_VERB_MODES,
    BOUNCER_HEADER_MODES,
    PREVENTOR_SHAPES,
    URL_STYLES,
    SimConfig,
)

DEFAULT_PORT = 8765


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port on 127.0.0.1 (0: any free port)")
    parser.add_argument("--admin-key", help="admin key (default: a random one, printed)")
    parser.add_argument("--token-lifetime", type=float, default=3600.0, metavar="S")
    parser.add_argument("--url-lifetime", type=float, default=3600.0, metavar="S")
    parser.add_argument("--latency", type=float, default=0.0, metavar="S", help="added per request")
    parser.add_argument("--failure-rate", type=float, default=0.0, metavar="F", help="fraction answered 503")
    parser.add_argument(
        "--drop-rate", type=float, default=0.0, metavar="F", help="fraction of connections dropped"
    )
    parser.add_argument(
        "--slow-body", type=float, default=0.0, metavar="S", help="seconds to stream each image"
    )
    parser.add_argument("--admin-header", choices=ADMIN_HEADER_MODES, default="both")
    parser.add_argument("--b-verb", choices=B_VERB_MODES, default="both")
    parser.add_argument("--url-style", choices=URL_STYLES, default="sigv4")
    parser.add_argument("--reviewer", default="demo-reviewer", help="name in the printed token")
    parser.add_argument("--seed", type=int, help="seed of the random failures (reproducible runs)")
    parser.add_argument(
        "--preventor-shape",
        choices=PREVENTOR_SHAPES,
        default="list",
        help="which shape the Preventor answers take (the reference documents none)",
    )
    parser.add_argument("--preventor-token", default="demo-preventor-token", help="Preventor bearer token")
    parser.add_argument("--preventor-api-key", help="Preventor x-api-key (default: none required)")
    parser.add_argument("--bouncer-key", default="demo-bouncer-key", help="Bouncer API key")
    parser.add_argument(
        "--bouncer-header",
        choices=BOUNCER_HEADER_MODES,
        default="both",
        help="which header the Bouncer key must come in",
    )


def config_from_args(args: argparse.Namespace) -> SimConfig:
    """The SimConfig the arguments describe; ValueError with a readable message if invalid."""
    if not 0 <= args.port <= 65535:
        raise ValueError(f"port must be between 0 and 65535 (got {args.port})")
    if not args.reviewer.strip():
        raise ValueError("the reviewer name must not be empty")
    config = SimConfig(
        admin_key=args.admin_key if args.admin_key is not None else secrets.token_urlsafe(24),
        token_lifetime=args.token_lifetime,
        url_lifetime=args.url_lifetime,
        latency=args.latency,
        failure_rate=args.failure_rate,
        drop_rate=args.drop_rate,
        slow_body=args.slow_body,
        admin_header_mode=args.admin_header,
        b_verb_mode=args.b_verb,
        url_style=args.url_style,
        seed=args.seed,
        preventor_shape=args.preventor_shape,
        preventor_token=args.preventor_token,
        preventor_api_key=args.preventor_api_key,
        bouncer_key=args.bouncer_key,
        bouncer_header_mode=args.bouncer_header,
    )
    config.validate()
    return config


def _wait_for_stop() -> None:
    stop = threading.Event()
    previous = None

    def on_sigterm(signum: int, frame: FrameType | None) -> None:
        stop.set()

    in_main = threading.current_thread() is threading.main_thread()
    if in_main and hasattr(signal, "SIGTERM"):
        previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGTERM, previous)


def run(args: argparse.Namespace) -> int:
    try:
        config = config_from_args(args)
    except ValueError as exc:
        print(f"reviewdesk sim: error: {exc}", file=sys.stderr)
        return 2
    from reviewdesk.sim.runner import SimServer  # uvicorn & co. only when serving

    server = SimServer(config, port=args.port)
    try:
        server.start()
    except OSError as exc:
        print(f"reviewdesk sim: error: cannot listen on port {args.port}: {exc}", file=sys.stderr)
        return 1
    try:
        token = server.mint_token(args.reviewer)
        print(f"base-url: {server.base_url}")
        print(f"admin-key: {config.admin_key}")
        print(f"reviewer-token: {token}")
        print(f"catalog: {server.base_url}/_sim/catalog")
        print(f"jumio: --url {server.base_url} token {config.jumio_token} secret {config.jumio_secret}")
        print(
            f"hint: export REVIEWDESK_BASE_URL={server.base_url} "
            f"REVIEWDESK_ADMIN_KEY={config.admin_key} REVIEWDESK_TOKEN={token}"
        )
        sys.stdout.flush()
        _wait_for_stop()
    finally:
        server.stop()
    return 0
