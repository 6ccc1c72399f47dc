"""reviewdesk.logs: the window's log file, at the settings' level or more when asked for more."""

from __future__ import annotations

import logging

import pytest

from reviewdesk.logs import setup_file_logging


@pytest.fixture
def root_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    for handler in handlers:
        if handler not in root.handlers:
            root.addHandler(handler)  # (one the test set aside)
    root.setLevel(level)


@pytest.mark.parametrize(
    ("command_line", "settings", "expected"),
    [
        (logging.WARNING, "INFO", logging.INFO),  # plain `reviewdesk`: the settings' level
        (logging.DEBUG, "INFO", logging.DEBUG),  # `reviewdesk -vv`: more, as asked
        (logging.WARNING, "DEBUG", logging.DEBUG),
        (logging.INFO, "WARNING", logging.INFO),
    ],
)
def test_the_log_level_is_the_settings_or_more_when_the_command_line_asks(
    root_logging, tmp_path, command_line, settings, expected
) -> None:
    root_logging.setLevel(command_line)
    for handler in [h for h in root_logging.handlers if isinstance(h, logging.FileHandler)]:
        root_logging.removeHandler(handler)  # (a file handler of another test: this one makes its own)
    path = setup_file_logging(tmp_path / "logs", settings)
    assert root_logging.level == expected
    logging.getLogger("reviewdesk.test").log(expected, "a line at the level")
    for handler in root_logging.handlers:
        handler.flush()
    assert "a line at the level" in path.read_text(encoding="utf-8")
