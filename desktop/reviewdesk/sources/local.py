"""Which queue items take local decisions, and which decisions each source offers.

An item in the queue is named by `str(ItemKey)`: a bare scan id is a Dyneti scan (decisions go to
the Reviews API as feedback shortcodes); "jumio:REF" and "preventor:TICKET" are items of sources
with no feedback endpoint, whose decisions are kept locally (docs/JUMIO.md, "Decisions"). The
window, `reviewdesk decide` and `reviewdesk queue --all` ask here; the store only learns that a
decision is local.
"""

from __future__ import annotations

from collections.abc import Sequence

from reviewdesk.errors import EXIT_USAGE, Error
from reviewdesk.sources.base import DEFAULT_SOURCE, DecisionOption, ItemKey
from reviewdesk.sources.decisions import JUMIO, JUMIO_DECISIONS, PREVENTOR, PREVENTOR_DECISIONS

#: source name -> (label, its decisions). Sources that send their decisions are not here.
_LOCAL: dict[str, tuple[str, tuple[DecisionOption, ...]]] = {
    JUMIO: ("Jumio transaction", JUMIO_DECISIONS),
    PREVENTOR: ("Preventor ticket", PREVENTOR_DECISIONS),
}
LOCAL_SOURCES: tuple[str, ...] = tuple(_LOCAL)
#: What a source is called in messages ("a Dyneti key does nothing on a Jumio transaction").
SOURCE_NAMES = {DEFAULT_SOURCE: "Dyneti", JUMIO: "Jumio", PREVENTOR: "Preventor"}


class UnknownDecision(Error, ValueError):
    """A decision code the item's source does not take."""

    exit_code = EXIT_USAGE


def item_key(item: str) -> ItemKey:
    """ "jumio:REF" -> (jumio, REF); anything else is a Dyneti scan."""
    return ItemKey.parse(item, LOCAL_SOURCES)


def source_of(item: str) -> str:
    return item_key(item).source


def is_local(item: str) -> bool:
    """Whether decisions on `item` are kept locally (its source has no feedback endpoint)."""
    return source_of(item) in _LOCAL


def label_of(source: str) -> str:
    """ "Jumio transaction", "Preventor ticket", "Dyneti scan"."""
    return _LOCAL[source][0] if source in _LOCAL else "Dyneti scan"


def decisions_of(source: str) -> tuple[DecisionOption, ...]:
    """The local decisions `source` offers (empty for a source that sends its decisions)."""
    return _LOCAL[source][1] if source in _LOCAL else ()


def local_decision(item: str, code: str) -> DecisionOption:
    """The decision `code` on the local item `item`, or UnknownDecision naming the valid ones."""
    source = source_of(item)
    options: Sequence[DecisionOption] = decisions_of(source)
    for option in options:
        if option.code == code:
            return option
    valid = ", ".join(o.code for o in options)
    raise UnknownDecision(
        f"{code!r} is not a decision for the {label_of(source)} {item_key(item).item_id}; "
        f"valid decisions are: {valid}"
    )
