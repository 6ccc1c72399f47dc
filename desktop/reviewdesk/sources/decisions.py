"""The decisions of the sources whose decisions are kept locally (Jumio and Preventor: neither has
an endpoint for them; docs/JUMIO.md, docs/PREVENTOR.md), and those sources' names. Apart from their
clients, so that the window's decision pane and `sources.local` know them without importing the
HTTP stack at start-up (docs/PERFORMANCE.md, "Start-up").
"""

from __future__ import annotations

from reviewdesk.sources.base import DecisionOption

JUMIO = "jumio"
PREVENTOR = "preventor"

JUMIO_DECISIONS: tuple[DecisionOption, ...] = (
    DecisionOption("approve", "approve", "Approve: the identity check is right"),
    DecisionOption("reject_fraud", "deny", "Reject: forged, manipulated or fake document"),
    DecisionOption("reject_mismatch", "deny", "Reject: the face does not match the document"),
    DecisionOption("reject_unreadable", "deny", "Reject: unreadable, incomplete, or a copy"),
    DecisionOption("reject_expired", "deny", "Reject: document expired or not accepted"),
    DecisionOption("reject_other", "deny", "Reject: another reason (say which in the note)"),
    DecisionOption("escalate", "no_action", "Escalate to a senior reviewer"),
)

PREVENTOR_DECISIONS: tuple[DecisionOption, ...] = (
    DecisionOption("approve", "approve", "Approve: the person and the document match"),
    DecisionOption("reject_document", "deny", "Reject: the document is fake, altered or unreadable"),
    DecisionOption("reject_face_mismatch", "deny", "Reject: the selfie is not the document's holder"),
    DecisionOption("reject_liveness", "deny", "Reject: the selfie is not of a live person"),
    DecisionOption("reject_other", "deny", "Reject: another reason (say which in the note)"),
    DecisionOption("escalate", "no_action", "Escalate: a senior reviewer should look"),
)
