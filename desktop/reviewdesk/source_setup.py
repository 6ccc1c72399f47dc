"""The window's Jumio and Preventor sources, from the credentials the user configured for them.

Read as their commands read them (docs/JUMIO.md, docs/PREVENTOR.md): the environment first, then
the OS keyring; never a file. A source whose credentials are missing is left out (its items stay in
the queue and say so); one whose User-Agent setting is missing is kept, and every request it would
make says which setting to set. The demo uses the built-in simulator and its credentials.
"""

from __future__ import annotations

import logging
import os

import httpx

from reviewdesk import keychain
from reviewdesk.api import errors as e
from reviewdesk.api.jumio import (
    SECRET_ENV,
    TOKEN_ENV,
    USER_AGENT_ENV,
    JumioClient,
    JumioCredentials,
    JumioHosts,
)
from reviewdesk.api.preventor import DEFAULT_BASE_URL, PreventorClient, PreventorCredential
from reviewdesk.settings import Settings
from reviewdesk.sources.base import Source
from reviewdesk.sources.jumio import JumioSource
from reviewdesk.sources.preventor import PreventorSource

log = logging.getLogger("reviewdesk.sources")

# The keyring entries `reviewdesk login --jumio` and the Preventor commands use (cli_jumio.py,
# cli_preventor.py; tests/test_source_setup.py checks they agree).
JUMIO_KEYRING_ACCOUNT = "jumio"
JUMIO_KEYRING_TOKEN = "jumio-token"
JUMIO_KEYRING_SECRET = "jumio-secret"
PREVENTOR_TOKEN_ENV = "REVIEWDESK_PREVENTOR_TOKEN"
#: One base for every Jumio / Preventor path, over the settings' jumio_url / preventor_url.
JUMIO_URL_ENV = "REVIEWDESK_JUMIO_URL"
PREVENTOR_URL_ENV = "REVIEWDESK_PREVENTOR_URL"
PREVENTOR_API_KEY_ENV = "REVIEWDESK_PREVENTOR_API_KEY"
PREVENTOR_KEYRING_TOKEN = "preventor-token"
PREVENTOR_KEYRING_API_KEY = "preventor-api-key"
#: The demo's Jumio User-Agent (the reference requires one naming company and application).
DEMO_USER_AGENT = "ReviewDesk Demo/1.0"
#: The demo runs the Jumio schedule ten times faster, so that a pending item turns done while
#: one watches (the product uses the documented timings).
DEMO_SCHEDULE_SCALE = 0.1


def _keyring(kind: str, account: str) -> str | None:
    try:
        return keychain.load(kind, account)
    except keychain.KeyringUnavailable:
        return None


def jumio_source(settings: Settings, http: httpx.AsyncClient) -> JumioSource | None:
    token, secret = os.environ.get(TOKEN_ENV), os.environ.get(SECRET_ENV)
    if not (token and secret):
        token = _keyring(JUMIO_KEYRING_TOKEN, JUMIO_KEYRING_ACCOUNT)
        secret = _keyring(JUMIO_KEYRING_SECRET, JUMIO_KEYRING_ACCOUNT)
    if not (token and secret):
        return None
    try:
        credentials = JumioCredentials(token, secret)
        url = os.environ.get(JUMIO_URL_ENV) or settings.jumio_url
        hosts = JumioHosts.single(url) if url else JumioHosts.for_region(settings.jumio_region or "us")
    except e.ReviewDeskError as exc:
        log.warning("Jumio left out: %s", exc)
        return None
    agent = os.environ.get(USER_AGENT_ENV) or settings.jumio_user_agent or None
    return JumioSource(JumioClient(hosts, credentials, agent, http=http))


def preventor_source(http: httpx.AsyncClient, base_url: str = DEFAULT_BASE_URL) -> PreventorSource | None:
    token = os.environ.get(PREVENTOR_TOKEN_ENV) or _keyring(PREVENTOR_KEYRING_TOKEN, base_url)
    if not token:
        return None
    key = os.environ.get(PREVENTOR_API_KEY_ENV) or _keyring(PREVENTOR_KEYRING_API_KEY, base_url)
    try:
        credential = PreventorCredential(token, key)
    except e.ReviewDeskError as exc:
        log.warning("Preventor left out: %s", exc)
        return None
    return PreventorSource(PreventorClient(base_url, credential, http=http))


def sources_from_environment(settings: Settings, http: httpx.AsyncClient) -> list[Source]:
    """Jumio and Preventor, each when configured (runs the keyring: call it off the event loop)."""
    found: list[Source] = []
    preventor_url = os.environ.get(PREVENTOR_URL_ENV) or settings.preventor_url or DEFAULT_BASE_URL
    try:
        preventor = preventor_source(http, preventor_url)
    except e.ReviewDeskError as exc:  # a bad preventor_url: the message says which setting
        log.warning("Preventor left out: %s", exc)
        preventor = None
    for source in (jumio_source(settings, http), preventor):
        if source is not None:
            found.append(source)
    return found


def demo_sources(base_url: str, http: httpx.AsyncClient) -> list[Source]:
    """Jumio and Preventor against the built-in simulator at `base_url`, with its credentials."""
    from reviewdesk.sim.config import SimConfig

    config = SimConfig()
    jumio = JumioClient(
        JumioHosts.single(base_url),
        JumioCredentials(config.jumio_token, config.jumio_secret),
        DEMO_USER_AGENT,
        http=http,
    )
    preventor = PreventorClient(base_url, PreventorCredential(config.preventor_token, None), http=http)
    return [JumioSource(jumio, schedule_scale=DEMO_SCHEDULE_SCALE), PreventorSource(preventor)]
