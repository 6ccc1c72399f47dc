"""reviewdesk.cli.bouncer: `reviewdesk bouncer verify|verify-web` as a real process against the simulator
(docs/BOUNCER.md)."""

from __future__ import annotations

import json

import pytest

from support.bouncer import KEY, PAYLOAD, VERIFY_BODY, WEB_BODY, sent
from support.process import run_cli as run

# -- command line ------------------------------------------------------------------------------


@pytest.fixture
def env(tmp_path):
    return {"REVIEWDESK_BOUNCER_KEY": KEY, "REVIEWDESK_DATA_DIR": str(tmp_path / "data")}


def write(tmp_path, body, name="body.json"):
    path = tmp_path / name
    path.write_text(json.dumps(body) if not isinstance(body, str) else body)
    return str(path)


@pytest.mark.parametrize(
    ("command", "body", "path"),
    [("verify", VERIFY_BODY, "/v1/card/verify"), ("verify-web", WEB_BODY, "/v1/card/verify_web")],
)
def test_cli_sends_the_body_and_prints_the_token(sim, env, tmp_path, command, body, path) -> None:
    result = run("bouncer", command, write(tmp_path, body), "--url", sim.base_url, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().count("-") == 3
    assert [r["path"] for r in sent(sim)] == [path]


def test_cli_exit_codes(sim, env, tmp_path) -> None:
    base = ["--url", sim.base_url]
    bad = run("bouncer", "verify", write(tmp_path, {**VERIFY_BODY, "exp_month": "13"}), *base, env=env)
    assert bad.returncode == 2 and "exp_month must be a month" in bad.stderr
    not_json = run("bouncer", "verify", write(tmp_path, "{not json", "x.json"), *base, env=env)
    assert not_json.returncode == 2 and "not valid JSON" in not_json.stderr
    missing = run("bouncer", "verify-web", str(tmp_path / "nope.json"), *base, env=env)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert sent(sim) == []  # nothing of the above was sent
    server_400 = run(
        "bouncer", "verify", write(tmp_path, {**VERIFY_BODY, "payload_version": 9}), *base, env=env
    )
    assert server_400.returncode == 2 and "Unsupported payload_version: 9" in server_400.stderr
    wrong = run(
        "bouncer", "verify", write(tmp_path, VERIFY_BODY), *base, env={"REVIEWDESK_BOUNCER_KEY": "k-wrong-1"}
    )
    assert wrong.returncode == 3 and "k-wrong-1" not in wrong.stderr
    assert run("bouncer", "verify", write(tmp_path, VERIFY_BODY), *base, env={"X": "1"}).returncode == 3
    sim.stop()
    assert run("bouncer", "verify", write(tmp_path, VERIFY_BODY), *base, env=env).returncode == 5


def test_cli_never_shows_the_key_or_the_payload(sim, env, tmp_path) -> None:
    result = run("-vv", "bouncer", "verify", write(tmp_path, VERIFY_BODY), "--url", sim.base_url, env=env)
    assert result.returncode == 0, result.stderr
    assert KEY not in result.stderr + result.stdout
    assert PAYLOAD not in result.stderr + result.stdout
