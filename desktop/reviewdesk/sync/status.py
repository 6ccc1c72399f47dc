"""What the delivery worker tells the window (`DeliveryStatus`), apart from the worker: the status
bar imports it before the window shows, the worker and the store after (docs/PERFORMANCE.md,
"Start-up")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from reviewdesk.domain.route import Route

if TYPE_CHECKING:
    from reviewdesk.store.rows import RouteSummary

State = Literal["online", "offline", "server_error", "waiting", "paused", "idle"]


def waiting_line(summary: RouteSummary) -> str:
    """`12 decisions for ana on https://…: sign in as ana on https://… to send them`."""
    route = summary.route
    if summary.unconfirmed:
        n = summary.unconfirmed
        return (
            f"{n} decision{'s' if n != 1 else ''} for {route.describe()} from before ReviewDesk recorded "
            "where decisions go: confirm them (Outbox, or `reviewdesk queue --confirm`) or export them"
        )
    n = summary.pending
    return f"{n} decision{'s' if n != 1 else ''} for {route.describe()}: {route.sign_in_hint()}"


@dataclass(frozen=True, slots=True)
class DeliveryStatus:
    """What the status bar shows. `queued` counts pending and in-flight decisions of every route;
    `sendable` those of the route being delivered; `elsewhere` the routes that wait for another
    sign-in (or for a confirmation)."""

    state: State = "idle"
    queued: int = 0
    failed: int = 0
    last_error: str | None = None
    next_retry_at: float | None = None  # wall clock
    in_flight: int = 0
    route: Route | None = None
    sendable: int = 0
    elsewhere: tuple[RouteSummary, ...] = ()
    server_status: int | None = None  # the HTTP status of a server error
    unexpected_from: str | None = None  # the host that answered with something not the API's

    @property
    def waiting_elsewhere(self) -> int:
        return sum(r.unconfirmed or r.pending for r in self.elsewhere)

    def elsewhere_lines(self) -> list[str]:
        return [waiting_line(r) for r in self.elsewhere]

    @property
    def message(self) -> str:
        queued = f"{self.queued} queued" if self.queued else "nothing queued"
        failed = f", {self.failed} failed" if self.failed else ""
        if self.state == "paused":
            return f"Paused: sign in again ({queued}{failed})"
        if self.state == "offline":
            return f"Offline, retrying ({queued}{failed})"
        if self.state == "server_error" and self.unexpected_from:
            return f"Unexpected answer from {self.unexpected_from}, retrying ({queued}{failed})"
        if self.state == "server_error":
            code = f" {self.server_status}" if self.server_status else ""
            return f"Server error{code}, retrying ({queued}{failed})"
        if self.state == "waiting":
            return f"Waiting as the server asked ({queued}{failed})"
        if self.state == "online":
            return f"Sending ({queued}{failed})"
        return f"Idle ({queued}{failed})"
