"""ReviewDesk: a desktop client for fraud reviewers of Dyneti blackout images."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("reviewdesk")
except PackageNotFoundError:  # running from a source tree or a frozen bundle without metadata
    __version__ = "0.1.0"
