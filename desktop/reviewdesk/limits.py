"""Every limit on what ReviewDesk accepts from outside (servers, files, tokens), how long it waits,
and how it creates files: one place. The README's security section lists them; change them here
only. Plain constants: no imports.
"""

from __future__ import annotations

# -- files and tokens -------------------------------------------------------------------------

#: A queue file (CSV, JSON, text) larger than this is not imported; 100,000 rows with every fact
#: are about 10 MB.
MAX_IMPORT_FILE_BYTES = 64 * 1024 * 1024

#: A card fact (cardholder, merchant reference, …) longer than this is left out on import (and
#: reported by line), CSV and JSON alike; `annotationInfo.cardFacts` cuts any longer value to it,
#: so the feedback body stays small. (A CSV field over the csv module's own limit, 128 KiB, makes
#: its row a bad row: reported, skipped, and the rest of the file imported.)
MAX_FACT_LENGTH = 256
#: At most this many card facts go into a decision's `annotationInfo.cardFacts` (there are 11 kinds:
#: 7, and the scanned card's 4, see docs/BOUNCER.md).
MAX_CARD_FACTS = 16

#: Settings and keymap files larger than this are not read (they are a few KB). One nested too
#: deeply for the json module (RecursionError) is refused the same way.
MAX_CONFIG_BYTES = 1024 * 1024

#: A reviewer token's `exp` must be a whole number of seconds since 1970 within this range
#: (2001-09-09 to 2286-11-20); anything else (1e999, NaN, 1.5, a string) is not a usable token.
MIN_TOKEN_EXP = 1_000_000_000
MAX_TOKEN_EXP = 9_999_999_999

#: Files and folders ReviewDesk creates (database and its -wal/-shm/.lock, logs, settings, keymap):
#: owner-only, whatever the folder they are in.
FILE_MODE = 0o600
DIR_MODE = 0o700

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
