"""Which sources the window gets: Jumio and Preventor from their credentials (env or keyring, as
their commands read them), the demo's against the simulator."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from reviewdesk import source_setup
from reviewdesk.cli import jumio as cli_jumio
from reviewdesk.cli import preventor as cli_preventor
from reviewdesk.settings import Settings
from reviewdesk.sim.config import SimConfig
from reviewdesk.sim.runner import SimServer


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    for name in (
        "REVIEWDESK_JUMIO_TOKEN",
        "REVIEWDESK_JUMIO_SECRET",
        "REVIEWDESK_JUMIO_USER_AGENT",
        "REVIEWDESK_PREVENTOR_TOKEN",
        "REVIEWDESK_PREVENTOR_API_KEY",
        "REVIEWDESK_JUMIO_URL",
        "REVIEWDESK_PREVENTOR_URL",
    ):
        monkeypatch.delenv(name, raising=False)


def names(settings: Settings | None = None) -> list[str]:
    async def go() -> list[str]:
        async with httpx.AsyncClient() as http:
            return [s.name for s in source_setup.sources_from_environment(settings or Settings(), http)]

    return asyncio.run(go())


def test_the_keyring_entries_are_those_of_the_commands():
    assert source_setup.JUMIO_KEYRING_TOKEN == cli_jumio.KEYRING_TOKEN
    assert source_setup.JUMIO_KEYRING_SECRET == cli_jumio.KEYRING_SECRET
    assert source_setup.JUMIO_KEYRING_ACCOUNT == cli_jumio.KEYRING_ACCOUNT
    assert source_setup.PREVENTOR_KEYRING_TOKEN == cli_preventor.KEYRING_TOKEN
    assert source_setup.PREVENTOR_KEYRING_API_KEY == cli_preventor.KEYRING_API_KEY
    assert source_setup.PREVENTOR_TOKEN_ENV == cli_preventor.TOKEN_ENV
    assert source_setup.PREVENTOR_API_KEY_ENV == cli_preventor.API_KEY_ENV


def test_nothing_configured_means_no_extra_source():
    assert names() == []


def test_jumio_needs_both_its_token_and_its_secret(monkeypatch):
    monkeypatch.setenv("REVIEWDESK_JUMIO_TOKEN", "t")
    assert names() == []
    monkeypatch.setenv("REVIEWDESK_JUMIO_SECRET", "s")
    assert names() == ["jumio"]


def test_preventor_from_its_token(monkeypatch):
    monkeypatch.setenv("REVIEWDESK_PREVENTOR_TOKEN", "p")
    assert names() == ["preventor"]


def test_the_demo_sources_read_the_simulator():
    async def go(base: str) -> tuple[list[str], str, list[str]]:
        async with httpx.AsyncClient() as http:
            jumio, preventor = source_setup.demo_sources(base, http)
            details = await jumio.details("done-passport-1")
            refs = await preventor.images("T-1")
            return [jumio.name, preventor.name], details.state, [r.key for r in refs]

    with SimServer(SimConfig()) as sim:
        found, state, keys = asyncio.run(go(sim.base_url))
    assert found == ["jumio", "preventor"] and state == "DONE" and keys


def test_the_window_s_jumio_and_preventor_can_point_at_one_base(monkeypatch):
    """jumio_url / preventor_url (settings) or REVIEWDESK_JUMIO_URL / _PREVENTOR_URL: every path on one
    base, as `--url` does for the commands; here the simulator's."""

    async def go(settings: Settings) -> tuple[str, list[str]]:
        async with httpx.AsyncClient() as http:
            jumio, preventor = source_setup.sources_from_environment(settings, http)
            details = await jumio.details("done-passport-1")
            refs = await preventor.images("T-1")
            return details.state, [r.key for r in refs]

    config = SimConfig()
    monkeypatch.setenv("REVIEWDESK_JUMIO_TOKEN", config.jumio_token)
    monkeypatch.setenv("REVIEWDESK_JUMIO_SECRET", config.jumio_secret)
    monkeypatch.setenv("REVIEWDESK_JUMIO_USER_AGENT", "Acme Fraud ReviewDesk-Tests/1.0")
    monkeypatch.setenv("REVIEWDESK_PREVENTOR_TOKEN", config.preventor_token)
    with SimServer(config) as sim:
        state, keys = asyncio.run(go(Settings(jumio_url=sim.base_url, preventor_url=sim.base_url)))
        assert state == "DONE" and keys
        monkeypatch.setenv("REVIEWDESK_JUMIO_URL", sim.base_url)  # the environment wins
        state, _ = asyncio.run(
            go(Settings(jumio_url="https://elsewhere.invalid", preventor_url=sim.base_url))
        )
        assert state == "DONE"


def test_a_base_that_is_not_https_leaves_the_source_out_with_a_reason(monkeypatch, caplog):
    monkeypatch.setenv("REVIEWDESK_JUMIO_TOKEN", "t")
    monkeypatch.setenv("REVIEWDESK_JUMIO_SECRET", "s")
    monkeypatch.setenv("REVIEWDESK_PREVENTOR_TOKEN", "p")
    assert names(Settings(jumio_url="http://jumio.example", preventor_url="http://preventor.example")) == []
    assert "Jumio left out" in caplog.text and "Preventor left out" in caplog.text
