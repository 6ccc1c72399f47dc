"""Jumio Netverify Retrieval as a review source (docs/JUMIO.md).

Item ids: a bare reference is a Netverify transaction; `authentication:REF` and `document:REF`
are Authentication and Document Verification transactions (so "jumio:document:REF" as an item key).

The status is asked on the reference's schedule (domain.jumio_schedule) until it is no longer
PENDING; the details and the image list are then retrieved once and kept in memory. Decisions are
local: Jumio has no endpoint for them (`remote_decisions = False`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reviewdesk.api import errors as e
from reviewdesk.api.jumio import KINDS, LABELS, ImageLink, ImageList, JumioClient, parse_image_list
from reviewdesk.domain import jumio_codes as codes
from reviewdesk.domain import jumio_schedule as schedule
from reviewdesk.sources.base import DecisionOption, DetailNode, Details, ImageRef, SourceError
from reviewdesk.sources.decisions import JUMIO as NAME
from reviewdesk.sources.decisions import JUMIO_DECISIONS as DECISIONS
from reviewdesk.sources.errors import from_api

log = logging.getLogger("reviewdesk.sources.jumio")

KIND_SEPARATOR = ":"
MAX_VALUE = 500


DOCUMENT_SIDES = ("front", "back", "face")

DV_TYPES = {
    "CC": "Credit card",
    "BS": "Bank statement",
    "IC": "Insurance card",
    "UB": "Utility bill",
    "CAAP": "Cash advance application",
    "CRC": "Corporate resolution certificate",
    "CCS": "Credit card statement",
    "LAG": "Lease agreement",
    "LOAP": "Loan application",
    "MOAP": "Mortgage application",
    "TR": "Tax return",
    "VT": "Vehicle title",
    "VC": "Voided check",
    "STUC": "Student card",
    "HCC": "Health care card",
    "CB": "Council bill",
    "SENC": "Seniors card",
    "MEDC": "Medicare card",
    "BC": "Birth certificate",
    "WWCC": "Working with children check",
    "SS": "Superannuation statement",
    "TAC": "Trade association card",
    "SEL": "School enrolment letter",
    "PB": "Phone bill",
    "SSC": "Social security card",
    "CUSTOM": "Custom document type",
    "OTHER": "Other document type",
}


def parse_item(item_id: str) -> tuple[str, str]:
    """ "REF" -> ("netverify", REF); "document:REF" -> ("document", REF)."""
    head, sep, rest = item_id.partition(KIND_SEPARATOR)
    if sep and head in KINDS:
        if not rest:
            raise SourceError(f"the Jumio item {item_id!r} names no reference", 2)
        return head, rest
    return "netverify", item_id


def item_id_of(kind: str, reference: str) -> str:
    return reference if kind == "netverify" else f"{kind}{KIND_SEPARATOR}{reference}"


def is_open(kind: str, status: str) -> bool:
    """Whether a status may still change (and is polled on the schedule)."""
    return status in codes.AUTHENTICATION_OPEN if kind == "authentication" else status == schedule.PENDING


@dataclass
class PollState:
    """How far an item is on the polling schedule; kept by whoever persists the queue."""

    acquired_at: float
    tries: int = 0
    last_try_at: float | None = None
    status: str = ""
    error: str = ""  # why the last status request gave no status (shown until one does)

    def next_at(self, scale: float = 1.0) -> float:
        return schedule.next_poll(self.acquired_at, self.tries, last_try_at=self.last_try_at, scale=scale)


@dataclass
class _Item:
    kind: str
    reference: str
    poll: PollState
    data: dict[str, Any] | None = None  # details, once final
    images: ImageList | None = None
    problems: list[str] = field(default_factory=list)
    #: One status request at a time: the details and the image list of an item are asked for
    #: together, and the second must wait for the first's answer, not take "not asked yet" for it.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class JumioSource:
    name = NAME
    label = "Jumio transaction"
    remote_decisions = False

    def __init__(
        self,
        client: JumioClient,
        *,
        clock: Callable[[], float] = time.time,
        schedule_scale: float = 1.0,
    ) -> None:
        self.client = client
        self.clock = clock
        self.schedule_scale = schedule_scale
        self._items: dict[str, _Item] = {}

    def decisions(self) -> Sequence[DecisionOption]:
        return DECISIONS

    # -- the schedule ------------------------------------------------------------------------------

    def track(
        self,
        item_id: str,
        *,
        acquired_at: float | None = None,
        tries: int = 0,
        last_try_at: float | None = None,
    ) -> PollState:
        """Start (or restore) an item's place on the schedule. Without `acquired_at` the images are
        taken as acquired long enough ago that the first status request is due now
        (docs/JUMIO.md, "When was the transaction acquired?")."""
        kind, reference = parse_item(item_id)
        if acquired_at is None:
            acquired_at = self.clock() - schedule.SCHEDULE[0] * self.schedule_scale
        state = PollState(acquired_at, tries, last_try_at)
        self._items[item_id] = _Item(kind, reference, state)
        return state

    def poll_state(self, item_id: str) -> PollState | None:
        item = self._items.get(item_id)
        return item.poll if item else None

    def next_poll(self, item_id: str) -> float | None:
        """When the item is asked again; None once its status is final."""
        item = self._items.get(item_id)
        if item is None or (item.poll.status and not is_open(item.kind, item.poll.status)):
            return None
        return item.poll.next_at(self.schedule_scale)

    def _item(self, item_id: str) -> _Item:
        item = self._items.get(item_id)
        if item is None:
            self.track(item_id)
            item = self._items[item_id]
        return item

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except e.ReviewDeskError as exc:
            raise from_api(exc) from None

    async def refresh_status(self, item_id: str, *, force: bool = False) -> str:
        """The item's status: asked of Jumio when the schedule says a try is due (or `force`),
        else the last one known ("" before the first try)."""
        item = self._item(item_id)
        async with item.lock:
            return await self._refresh_locked(item, force=force)

    async def _refresh_locked(self, item: _Item, *, force: bool) -> str:
        known = item.poll.status
        if known and not is_open(item.kind, known):
            return known
        if not force and self.clock() < item.poll.next_at(self.schedule_scale):
            return known
        item.poll.tries += 1
        item.poll.last_try_at = self.clock()
        try:
            if item.kind == "authentication":
                data = await self._call(self.client.authentication(item.reference))
                status = _checked_result(data, item.reference)
                if not is_open(item.kind, status):
                    item.data = data  # the one answer holds the details and the image lists
            else:
                info = await self._call(self.client.status(item.kind, item.reference))
                status = info.status
        except SourceError as exc:
            item.poll.error = str(exc)
            raise
        item.poll.status, item.poll.error = status, ""
        log.info("jumio %s %s: %s (try %d)", item.kind, item.reference, status, item.poll.tries)
        return status

    # -- details -----------------------------------------------------------------------------------

    async def details(self, item_id: str) -> Details:
        item = self._item(item_id)
        status = await self.refresh_status(item_id)
        if not status or is_open(item.kind, status):
            return self._pending_details(item, status)
        if item.data is None:
            item.data = await self._call(self.client.details(item.kind, item.reference))
        return build_details(item.kind, item.reference, status, item.data, item.problems)

    def _pending_details(self, item: _Item, status: str) -> Details:
        next_at = item.poll.next_at(self.schedule_scale)
        when = schedule.describe_next(next_at, self.clock())
        shown = status or "not asked yet"
        tries = f"{item.poll.tries} of {schedule.MAX_SCHEDULED_TRIES}"
        if item.poll.tries > schedule.MAX_SCHEDULED_TRIES:
            tries = f"{item.poll.tries} (past the {schedule.MAX_SCHEDULED_TRIES} scheduled; now once a day)"
        tree: tuple[DetailNode, ...] = (
            DetailNode("Status", shown, level="warn"),
            DetailNode("Status requests so far", tries),
            DetailNode("Next status request", when),
        )
        summary = f"{LABELS[item.kind]} {item.reference} · {shown} · {when}"
        if item.poll.error:  # the last answer could not be read: say why, not just "not asked yet"
            tree += (DetailNode("Last status answer", item.poll.error, level="bad"),)
            summary = f"{summary} · {item.poll.error}"
        # state "" until the first answer: nothing is known yet, not even that it is pending.
        return Details(summary, tree, state=status, next_poll=next_at, facts={"status": shown})

    # -- images ------------------------------------------------------------------------------------

    async def _image_list(self, item_id: str) -> tuple[_Item, ImageList]:
        item = self._item(item_id)
        if item.images is not None:
            return item, item.images
        status = await self.refresh_status(item_id)
        if not status or is_open(item.kind, status):
            when = schedule.describe_next(item.poll.next_at(self.schedule_scale), self.clock())
            raise SourceError(
                f"{LABELS[item.kind]} transaction {item.reference} is still {status or 'not asked'} at "
                f"Jumio; its images are retrieved once it is done ({when})",
                5,
            )
        if item.kind == "authentication" and item.data is not None:
            what = f"the image list of Authentication transaction {item.reference}"
            listing = parse_image_list(item.data, what)
        else:
            listing = await self._call(self.client.image_list(item.kind, item.reference))
        item.images = listing
        item.problems.extend(listing.problems)
        return item, listing

    async def images(self, item_id: str) -> Sequence[ImageRef]:
        item, listing = await self._image_list(item_id)
        return [ref for ref, _link in image_refs(item.kind, listing)]

    async def fetch_image(self, item_id: str, ref: ImageRef) -> bytes:
        item, listing = await self._image_list(item_id)
        for known, link in image_refs(item.kind, listing):
            if known.key == ref.key:
                fetched = await self._call(self.client.fetch_link(item.kind, item.reference, link))
                data: bytes = fetched.data
                return data
        raise SourceError(f"{LABELS[item.kind]} transaction {item.reference} has no image {ref.key!r}", 4)


def _checked_result(data: Mapping[str, Any], reference: str) -> str:
    from reviewdesk.api.jumio import parse_status

    what = f"reading the result of Authentication transaction {reference}"
    try:
        return parse_status(data, "transactionResult", codes.AUTHENTICATION_RESULTS, what)
    except e.ReviewDeskError as exc:
        raise SourceError(exc.message, exc.exit_code) from None


def image_refs(kind: str, listing: ImageList) -> list[tuple[ImageRef, ImageLink]]:
    """What the window shows, in display order: document images side by side (front, back, face),
    liveness images as a filmstrip in number order, Document Verification pages one after another."""
    refs: list[tuple[ImageRef, ImageLink]] = []
    for link in listing.images:
        if kind == "document":
            page = link.number if link.number is not None else 0
            refs.append((ImageRef(f"page-{link.classifier}", f"Page {link.classifier}", "pages", page), link))
            continue
        order = DOCUMENT_SIDES.index(link.classifier) if link.classifier in DOCUMENT_SIDES else 10
        refs.append((ImageRef(link.classifier, link.classifier.capitalize(), "document", order), link))
    for link in listing.liveness:
        number = link.number or 0
        refs.append((ImageRef(f"liveness-{number}", f"Liveness {number}", "liveness", number), link))
    group_rank = {"document": 0, "pages": 0, "liveness": 1}
    refs.sort(key=lambda pair: (group_rank.get(pair[0].group, 2), pair[0].order, pair[0].key))
    return refs


# -- the details tree ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = " ".join(str(value).split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def generic_nodes(data: Mapping[str, Any], skip: Sequence[str] = ()) -> list[DetailNode]:
    """Every field as a line (objects and lists as sections): nothing the server sent is hidden."""
    nodes: list[DetailNode] = []
    for key, value in data.items():
        if key in skip:
            continue
        nodes.append(generic_node(str(key), value))
    return nodes


def generic_node(label: str, value: object) -> DetailNode:
    if isinstance(value, Mapping):
        return DetailNode(label, children=tuple(generic_nodes(value)))
    if isinstance(value, list):
        return DetailNode(label, children=tuple(generic_node(f"{i + 1}", v) for i, v in enumerate(value)))
    return DetailNode(label, "" if value is None else _text(value))


LABEL_OF = {
    "type": "Type",
    "idSubtype": "Subtype",
    "status": "Status",
    "issuingCountry": "Issuing country",
    "firstName": "First name",
    "lastName": "Last name",
    "dob": "Date of birth",
    "expiry": "Expiry",
    "issuingDate": "Issued",
    "number": "Number",
    "usState": "State",
    "personalNumber": "Personal number",
    "optionalData1": "MRZ optional data 1",
    "optionalData2": "MRZ optional data 2",
    "address": "Address",
    "issuingAuthority": "Issuing authority",
    "issuingPlace": "Issuing place",
    "source": "Source",
    "date": "Created",
    "clientIp": "Client IP",
    "customerId": "Customer id",
    "merchantScanReference": "Merchant reference",
    "merchantReportingCriteria": "Reporting criteria",
    "country": "Country",
    "originalDocument": "Original document (PDF)",
    "customDocumentCode": "Custom document code",
    "extractedData": "Extracted data",
    "signatureAvailable": "Signature available",
    "ssn": "Social security number",
}


def section_nodes(data: Mapping[str, Any], level_field: str = "") -> list[DetailNode]:
    """Known fields with readable labels, in the reference's order, then whatever else came."""
    nodes: list[DetailNode] = []
    for key in LABEL_OF:
        if key not in data:
            continue
        value = data[key]
        label = LABEL_OF[key]
        if key == "extractedData":
            nodes.append(extracted_node(value))
        elif isinstance(value, Mapping | list):
            nodes.append(generic_node(label, value))
        elif key == "status" and level_field:
            nodes.append(DetailNode(label, _text(value), level=codes.level_of(level_field, value)))
        elif key == "type" and isinstance(value, str) and value.upper() in DV_TYPES and level_field == "dv":
            nodes.append(DetailNode(label, f"{value} ({DV_TYPES[value.upper()]})"))
        else:
            nodes.append(DetailNode(label, "" if value is None else _text(value)))
    nodes += generic_nodes(data, skip=(*LABEL_OF, "timestamp", "scanReference"))
    return nodes


def extracted_node(value: object) -> DetailNode:
    """Document Verification's extractedData: an object whose own `extractedData` may be a JSON
    string (docs/JUMIO.md); a string that cannot be read is shown raw, marked."""
    if not isinstance(value, Mapping):
        return generic_node("Extracted data", value)
    children = section_nodes({k: v for k, v in value.items() if k != "extractedData"})
    nested = value.get("extractedData")
    if isinstance(nested, str):
        try:
            parsed = json.loads(nested)
        except ValueError:
            parsed = None
        if isinstance(parsed, Mapping):
            children.append(DetailNode("Fields", children=tuple(generic_nodes(parsed))))
        elif nested.strip():
            children.append(
                DetailNode("Fields (could not be read; as received)", _text(nested), level="warn")
            )
    elif nested is not None:
        children.append(generic_node("Fields", nested))
    return DetailNode("Extracted data", children=tuple(children))


def verification_nodes(data: Mapping[str, Any]) -> list[DetailNode]:
    nodes: list[DetailNode] = []
    identity = data.get("identityVerification")
    if isinstance(identity, Mapping):
        for key, label in (
            ("similarity", "Similarity"),
            ("validity", "Validity"),
            ("reason", "Validity reason"),
            ("handwrittenNoteMatches", "Handwritten note matches"),
        ):
            if key in identity:
                level = "bad" if key == "reason" else codes.level_of(key, identity[key])
                nodes.append(DetailNode(label, _text(identity[key]), level=level))
        nodes += generic_nodes(identity, skip=("similarity", "validity", "reason", "handwrittenNoteMatches"))
    if "mrzCheck" in data:
        nodes.append(
            DetailNode(
                "MRZ check", _text(data["mrzCheck"]), level=codes.level_of("mrzCheck", data["mrzCheck"])
            )
        )
    reject = data.get("rejectReason")
    if isinstance(reject, Mapping):
        text = codes.reject_reason_text(reject.get("rejectReasonCode"), reject.get("rejectReasonDescription"))
        raw_details = reject.get("rejectReasonDetails")
        entries = raw_details if isinstance(raw_details, list) else [raw_details] if raw_details else []
        children = tuple(
            DetailNode(
                "Detail",
                codes.reject_detail_text(d.get("detailsCode"), d.get("detailsDescription")),
                level="bad",
            )
            if isinstance(d, Mapping)
            else generic_node("Detail", d)
            for d in entries
        )
        nodes.append(DetailNode("Reject reason", text, children, level="bad"))
    elif reject is not None:
        nodes.append(generic_node("Reject reason", reject))
    nodes += generic_nodes(
        data, skip=("identityVerification", "mrzCheck", "rejectReason", "timestamp", "scanReference")
    )
    return nodes


def build_details(
    kind: str, reference: str, status: str, data: Mapping[str, Any], problems: Sequence[str] = ()
) -> Details:
    """The details pane's tree and the list's one-line summary, from Jumio's answer."""
    tree: list[DetailNode] = []
    facts: dict[str, str] = {"status": status}
    if kind == "authentication":
        tree.append(DetailNode("Result", status, level=codes.level_of("transactionResult", status)))
        for key, label in (("transactionDate", "Date"), ("scanSource", "Source")):
            if key in data:
                tree.append(DetailNode(label, _text(data[key])))
        tree += generic_nodes(
            data,
            skip=(
                "transactionResult",
                "transactionDate",
                "scanSource",
                "transactionReference",
                "images",
                "livenessImages",
            ),
        )
        summary = f"Authentication {reference} · {status}"
    else:
        tree.append(DetailNode("Status", status, level=codes.level_of("status", status)))
        document = data.get("document") if isinstance(data.get("document"), Mapping) else {}
        transaction = data.get("transaction") if isinstance(data.get("transaction"), Mapping) else {}
        assert isinstance(document, Mapping) and isinstance(transaction, Mapping)
        level_field = "dv" if kind == "document" else "document.status"
        doc_nodes = section_nodes(document, level_field)
        if kind == "document" and "status" in document:  # DV's own status values
            doc_nodes = [
                DetailNode(
                    n.label, n.value, n.children, codes.level_of("document.status", document["status"])
                )
                if n.label == "Status"
                else n
                for n in doc_nodes
            ]
        tree.append(DetailNode("Document", children=tuple(doc_nodes) or (DetailNode("(not given)"),)))
        tree.append(
            DetailNode(
                "Transaction", children=tuple(section_nodes(transaction)) or (DetailNode("(not given)"),)
            )
        )
        if kind == "netverify":
            verification = data.get("verification")
            v_nodes = verification_nodes(verification) if isinstance(verification, Mapping) else []
            tree.append(DetailNode("Verification", children=tuple(v_nodes) or (DetailNode("(not given)"),)))
        tree += generic_nodes(
            data, skip=("document", "transaction", "verification", "timestamp", "scanReference")
        )
        parts = [f"{LABELS[kind]} {reference}", status]
        doc_type = document.get("type")
        country = document.get("issuingCountry") or document.get("country")
        if doc_type:
            parts.append(" ".join(_text(v) for v in (doc_type, country) if v))
            facts["type"] = _text(doc_type)
        if country:
            facts["country"] = _text(country)
        if document.get("status"):
            parts.append(_text(document["status"]))
            facts["document status"] = _text(document["status"])
        verification = data.get("verification")
        if isinstance(verification, Mapping) and isinstance(
            verification.get("identityVerification"), Mapping
        ):
            similarity = verification["identityVerification"].get("similarity")
            if similarity:
                parts.append(f"similarity {_text(similarity)}")
                facts["similarity"] = _text(similarity)
        if isinstance(verification, Mapping) and isinstance(verification.get("rejectReason"), Mapping):
            code = verification["rejectReason"].get("rejectReasonCode")
            parts.append(f"reject {_text(code)}")
            facts["reject reason"] = _text(code)
        summary = " · ".join(parts)
    if problems:
        tree.append(
            DetailNode("Problems", children=tuple(DetailNode("!", _text(p), level="warn") for p in problems))
        )
    return Details(summary, tuple(tree), state=status, next_poll=None, facts=facts)
