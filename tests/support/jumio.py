"""Helpers shared by the Jumio tests: a client on the simulator, its Basic credentials; the window's
Jumio and Preventor sources pointed at the simulator (`add_sources`)."""

from __future__ import annotations

from reviewdesk.api.jumio import JumioClient, JumioCredentials, JumioHosts
from reviewdesk.api.preventor import PreventorClient, PreventorCredential
from reviewdesk.sources.jumio import JumioSource
from reviewdesk.sources.preventor import PreventorSource

USER_AGENT = "Acme Fraud ReviewDesk-Tests/1.0"


def credentials(sim) -> JumioCredentials:
    return JumioCredentials(sim.config.jumio_token, sim.config.jumio_secret)


def client(
    sim, *, user_agent: str | None = USER_AGENT, creds: JumioCredentials | None = None, **kw
) -> JumioClient:
    return JumioClient(JumioHosts.single(sim.base_url), creds or credentials(sim), user_agent, **kw)


def jumio_requests(sim) -> list[dict]:
    with sim.state.lock:
        return list(sim.state.jumio.get("requests", []))


def cli_env(sim, tmp_path, **extra: str) -> dict[str, str]:
    env = {
        "REVIEWDESK_DATA_DIR": str(tmp_path / "data"),
        "REVIEWDESK_JUMIO_TOKEN": sim.config.jumio_token,
        "REVIEWDESK_JUMIO_SECRET": sim.config.jumio_secret,
        "REVIEWDESK_JUMIO_USER_AGENT": USER_AGENT,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
    }
    env.update(extra)
    return env


def add_sources(desk, sim, *, clock=None, jumio_secret: str | None = None) -> JumioSource:
    http = desk.services.http
    jumio = JumioSource(
        JumioClient(
            JumioHosts.single(sim.base_url),
            JumioCredentials(sim.config.jumio_token, jumio_secret or sim.config.jumio_secret),
            USER_AGENT,
            http=http,
        ),
        **({"clock": clock} if clock else {}),
    )
    desk.services.sources.add(jumio)
    credential = PreventorCredential(sim.config.preventor_token, None)
    desk.services.sources.add(PreventorSource(PreventorClient(sim.base_url, credential, http=http)))
    return jumio
