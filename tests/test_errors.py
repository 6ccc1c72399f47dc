"""One root for every error ReviewDesk raises on purpose, and one place for the exit codes."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import reviewdesk
from reviewdesk import errors

# The simulator is a tool of its own (its errors never reach a reviewer); the window's modules
# need Qt, which the offscreen test environment has.
SKIP = ("reviewdesk.sim", "reviewdesk.__main__")


def _modules():
    for info in pkgutil.walk_packages(reviewdesk.__path__, "reviewdesk."):
        if not info.name.startswith(SKIP):
            yield importlib.import_module(info.name)


def test_every_error_class_of_reviewdesk_has_the_one_root() -> None:
    strays = sorted(
        f"{cls.__module__}.{cls.__qualname__}"
        for module in _modules()
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__
        and issubclass(cls, BaseException)
        and not issubclass(cls, errors.Error)
    )
    assert strays == []


def test_exit_codes_are_distinct_and_come_from_one_module() -> None:
    from reviewdesk import deadline
    from reviewdesk.api import errors as api_errors
    from reviewdesk.cli import jumio as cli_jumio
    from reviewdesk.cli import outbox as commands
    from reviewdesk.store.errors import StoreError

    codes = {name: value for name, value in vars(errors).items() if name.startswith("EXIT_")}
    assert len(set(codes.values())) == len(codes)
    assert api_errors.EXIT_AUTH is errors.EXIT_AUTH and commands.EXIT_STORE is errors.EXIT_STORE
    assert cli_jumio.EXIT_PENDING == errors.EXIT_PENDING and deadline.EXIT_CODE == errors.EXIT_TIMEOUT
    assert StoreError("x").exit_code == errors.EXIT_STORE
