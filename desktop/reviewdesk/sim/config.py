"""Knobs of the simulated Reviews API. Mutable on purpose: tests change them while it runs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

ADMIN_HEADER_MODES = ("both", "reviewer-id", "review-id")
B_VERB_MODES = ("both", "get", "post")
URL_STYLES = ("sigv4", "sigv2")
PREVENTOR_SHAPES = ("list", "object", "unknown")  # see sim/preventor.py
BOUNCER_HEADER_MODES = ("both", "bearer", "x-bouncer-auth")  # which header sim/bouncer.py reads


@dataclass
class SimConfig:
    admin_key: str = "demo-admin-key"
    jwt_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    #: Secret behind the presigned image URLs (the simulated S3 secret access key).
    url_secret: str = field(default_factory=lambda: secrets.token_hex(32))
    token_lifetime: float = 3600
    url_lifetime: float = 3600
    latency: float = 0.0
    failure_rate: float = 0.0
    drop_rate: float = 0.0
    slow_body: float = 0.0
    admin_header_mode: str = "both"
    b_verb_mode: str = "both"
    url_style: str = "sigv4"
    b_includes_status: bool = False
    uploading_seconds: float = 5.0
    bearer_colon_form_accepted: bool = False
    fail_feedback_codes: dict[str, int] = field(default_factory=dict)
    clock_offset: float = 0.0
    #: Path (or prefix ending in "/") -> how many of the next requests there get a 503 with
    #: `Retry-After: unavailable_retry_after`, e.g. {"/reviews/b": 1, "/blackout-images/": 2}.
    unavailable: dict[str, int] = field(default_factory=dict)
    unavailable_retry_after: float = 1.0
    #: How many of the next feedback requests get a 200 with an HTML page (a captive portal).
    html_feedback: int = 0
    #: Seed of the random source behind failure_rate / drop_rate (None: unpredictable).
    seed: int | None = None
    preventor_token: str = "demo-preventor-token"
    preventor_api_key: str | None = None  # when set, x-api-key must match too
    preventor_shape: str = "list"
    bouncer_key: str = "demo-bouncer-key"
    bouncer_header_mode: str = "both"
    #: Jumio (sim/jumio.py): the HTTP Basic API token and secret, and how many status polls a
    #: `pending-*` transaction stays PENDING when its id does not say (`pending-3-x`: three).
    jumio_token: str = "demo-jumio-token"
    jumio_secret: str = "demo-jumio-secret"
    jumio_pending_polls: int = 2

    def validate(self) -> None:
        """Raise ValueError naming every knob that is out of range."""
        problems: list[str] = []
        if not self.admin_key:
            problems.append("the admin key must not be empty")
        for name in ("token_lifetime", "url_lifetime"):
            if not getattr(self, name) > 0:
                problems.append(f"{name.replace('_', '-')} must be > 0 (got {getattr(self, name)})")
        for name in ("latency", "slow_body", "uploading_seconds"):
            if not getattr(self, name) >= 0:
                problems.append(f"{name.replace('_', '-')} must be >= 0 (got {getattr(self, name)})")
        for name in ("failure_rate", "drop_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                problems.append(
                    f"{name.replace('_', '-')} must be between 0 and 1 (got {getattr(self, name)})"
                )
        for name, allowed in (
            ("admin_header_mode", ADMIN_HEADER_MODES),
            ("b_verb_mode", B_VERB_MODES),
            ("url_style", URL_STYLES),
            ("preventor_shape", PREVENTOR_SHAPES),
            ("bouncer_header_mode", BOUNCER_HEADER_MODES),
        ):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {', '.join(allowed)}")
        if problems:
            raise ValueError("; ".join(problems))
