"""One root for every error ReviewDesk raises on purpose, and the command line's exit codes.

`Error` is the base of the API's errors (`api/errors.py`, `ReviewDeskError` and its family), the
store's (`store/errors.py`), the command line's (`cli/common.py`, `CliError`), the keyring's and the
review sources' (`sources/base.py`). Each carries the exit code the command line ends with, so a
command maps any of them to a code the same way. Plain constants and one class: no imports.
"""

from __future__ import annotations

# Exit codes of `reviewdesk` (README, "The command line").
EXIT_OK = 0
EXIT_STORE = 1  # the local database or data folder: locked, unwritable, damaged, the disk is full
EXIT_USAGE = 2  # bad arguments or input, refused before anything is sent
EXIT_AUTH = 3  # no credential, or one the server refused
EXIT_NOT_FOUND = 4  # the server does not know the scan, ticket or transaction
EXIT_NETWORK = 5  # network or server error, or an answer that cannot be used
EXIT_PENDING = 6  # `jumio wait`: still pending after the last try of the schedule
EXIT_TIMEOUT = 7  # --screenshot / --exit-after-start / --self-test did not finish within --timeout
EXIT_TAMPERED = 8  # `audit verify`: the audit trail's hash chain is broken (a record edited, deleted, moved)


class Error(Exception):
    """Base of every error ReviewDesk raises on purpose. `str(err)` is the one-line message for
    the user (never a secret); `exit_code` is the command line's code for it."""

    exit_code = EXIT_NETWORK
