"""Renewal and sign-in of an admin session, and `reviewdesk authorize`, through a busy server."""

from __future__ import annotations

from reviewdesk.api.http import make_http_client
from reviewdesk.session import Session, SignInRequest
from support.process import run_cli as run


async def test_an_admin_session_renews_its_token_through_one_503(sim) -> None:
    http = make_http_client()
    session = Session(http)
    try:
        await session.sign_in(
            SignInRequest(sim.base_url, admin_key=sim.config.admin_key, reviewer_name="omar", remember=False)
        )
        first = session.token
        session.renew_margin = lambda: 10**9  # type: ignore[method-assign]  # renewal due now
        sim.config.unavailable = {"/reviews/authorize": 1}
        sim.config.unavailable_retry_after = 0.2
        assert await session.renew_if_due()
        assert session.token is not None and session.token is not first and session.is_admin
        assert [s for _, p, s in sim.requests_log() if p == "/reviews/authorize"] == [200, 503, 200]
    finally:
        await http.aclose()


def test_authorize_on_the_command_line_goes_through_one_503(sim) -> None:
    sim.config.unavailable = {"/reviews/authorize": 1}
    sim.config.unavailable_retry_after = 0.2
    env = {"REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_ADMIN_KEY": sim.config.admin_key}
    result = run("authorize", "--reviewer", "ana", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2  # a JWT
    assert [s for _, p, s in sim.requests_log() if p == "/reviews/authorize"] == [503, 200]
