"""Pure domain types: scans, decisions, shortcodes, card facts. No I/O, no Qt."""
