"""Every limit on what a server may make ReviewDesk read or wait for, in one place.

Listed in the README's security section; change them here only. Plain constants: no imports.
"""

from __future__ import annotations

# -- how much of an answer is read (bytes) -----------------------------------------------------

#: A JSON answer of the API (an image link, a token, a feedback receipt) is a few hundred bytes.
MAX_JSON_BYTES = 1024 * 1024
#: Of an error answer (4xx/5xx), at most this much is read, for the server's message.
MAX_ERROR_BODY_BYTES = 64 * 1024
#: A blackout image.
MAX_IMAGE_BYTES = 25 * 1024 * 1024

# -- how long one request may take, retries included (seconds) ---------------------------------
# httpx's own timeouts apply to each connect, read and write separately: a server sending one
# byte every few seconds never trips them. These bound the whole request.

#: An API call: image link, `/reviews/b`, authorize, renewal, feedback.
API_DEADLINE = 45.0
#: Downloading an image (it may be large, on a slow line).
IMAGE_DEADLINE = 120.0
#: One command of the command line, everything included (`sync` and `decide` have --timeout).
COMMAND_DEADLINE = 180.0

# -- retrying one request (connection errors, timeouts, 429, 502, 503, 504) ------------------

RETRY_BASE_DELAY = 0.5  # full jitter: uniform(0, min(cap, base * 2**n))
RETRY_MAX_DELAY = 10.0
RETRY_ATTEMPTS = 6
#: A Retry-After longer than this is not waited for within one request (the request fails and
#: says when to try again; the outbox keeps its own schedule).
RETRY_AFTER_IN_REQUEST = 30.0

# -- the outbox (delivery worker) ---------------------------------------------------------------

#: A server's Retry-After is honoured up to this many seconds.
OUTBOX_MAX_RETRY_AFTER = 600.0
#: Backoff while the server answers (5xx, 429) is capped here; while it cannot be reached, at
#: OUTBOX_MAX_DELAY.
OUTBOX_REACHABLE_MAX_DELAY = 60.0
OUTBOX_MAX_DELAY = 180.0
#: Undo holds further ahead than this are pulled back (a clock set back): the window holds a
#: decision at most 60 s, and `decide --hold` sends only after its own hold is over.
OUTBOX_MAX_HOLD_AHEAD = 120.0
#: `reviewdesk sync` and `reviewdesk decide` give up retrying after this long by default.
SYNC_TIMEOUT = 30.0
DECIDE_TIMEOUT = 20.0
