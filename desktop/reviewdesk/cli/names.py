"""The command names, without the modules that run them: plain `reviewdesk` (the window) decides
that no command was named, and builds its own parser, without importing every command's module and
the HTTP stack they bring (~100 ms of the window's start: docs/PERFORMANCE.md). A test keeps this
list equal to the keys of `reviewdesk.cli.parser.COMMANDS`."""

from __future__ import annotations

PROG = "reviewdesk"

COMMAND_NAMES: tuple[str, ...] = (
    "authorize",
    "url",
    "image",
    "decide",
    "queue",
    "sync",
    "recover",
    "shortcodes",
    "login",
    "logout",
    "sim",
    "preventor",
    "bouncer",
    "jumio",
    "audit",
    "export",
    "stats",
    "queue-import",
)
