"""What the image pane says about an image: loading, ready, or why there is none (one line)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ImageKind = Literal[
    "loading", "checking", "uploading", "retrying", "not_found", "error", "too_large", "ready"
]
IMAGE_KINDS: tuple[str, ...] = (
    "loading",
    "checking",  # no image found yet, no status told (reviewer sessions): looking again
    "uploading",
    "retrying",  # a transient failure (server busy, no connection): tried again by itself
    "not_found",
    "error",
    "too_large",
    "ready",
)


@dataclass(frozen=True, slots=True)
class ImageState:
    """What the image pane should say about an image. `message` is one line for the reviewer."""

    kind: ImageKind
    message: str = ""

    def __post_init__(self) -> None:
        if self.kind not in IMAGE_KINDS:
            raise ValueError(f"unknown image state kind {self.kind!r}")

    @property
    def is_ready(self) -> bool:
        return self.kind == "ready"


LOADING = ImageState("loading", "Loading the image…")
LISTING = ImageState("loading", "Loading the list of images…")
READY = ImageState("ready")
