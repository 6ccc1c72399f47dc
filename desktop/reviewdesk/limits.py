"""Limits on what ReviewDesk accepts from outside (files, servers, tokens) and how it creates files.

One place for them: the README's security section lists them, and the code imports them from here.
"""

from __future__ import annotations

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
