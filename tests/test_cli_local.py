"""The command line and local decisions (cli/local.py): `reviewdesk decide` on a Jumio or Preventor
item records it locally and sends nothing, `queue --all` lists it, `sync` says nothing is sent for
it. Real `reviewdesk` processes, the simulator on loopback, the store on disk."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewdesk.store import Store
from support.process import run_cli as run

JUMIO = "jumio:done-passport-cli"
PREVENTOR = "preventor:T-cli-9"


@pytest.fixture
def env(sim, tmp_path: Path) -> dict[str, str]:
    return {"REVIEWDESK_BASE_URL": sim.base_url, "REVIEWDESK_DATA_DIR": str(tmp_path / "data")}


def writes(sim) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _ in sim.requests_log() if m not in ("GET", "HEAD")]


def test_local_decisions_are_recorded_listed_and_never_sent(sim, env: dict[str, str], tmp_path: Path) -> None:
    # No credential at all: a local decision needs none (nothing is sent).
    result = run("decide", JUMIO, "reject_fraud", "--note", "forged  MRZ", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"recorded locally: {JUMIO} reject_fraud "
        "(kept here, never sent: Jumio and Preventor take no decisions)\n"
    )
    assert run("decide", PREVENTOR, "escalate", env=env).returncode == 0
    assert sim.requests_log() == []  # not one request, to any path
    # A Dyneti decision beside them goes to the server as ever.
    token = {**env, "REVIEWDESK_TOKEN": sim.mint_token("cli-rev")}
    assert run("decide", "ready-1", "approved", env=token).stdout.startswith("delivered")

    queue = run("queue", env=token)
    assert queue.returncode == 0 and queue.stdout == "nothing queued\n"  # the outbox: none of them
    listed = run("queue", "--all", env=token)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0] == "nothing queued"
    time = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"
    assert re.fullmatch(rf"{re.escape(JUMIO)}\s+reject_fraud\s+local\s+Jumio\s+{time}\s+forged MRZ", lines[1])
    assert re.fullmatch(rf"{re.escape(PREVENTOR)}\s+escalate\s+local\s+Preventor\s+{time}", lines[2])
    assert lines[3] == "2 local decisions (kept here, never sent: Jumio and Preventor take no decisions)"

    synced = run("sync", env=token)
    assert synced.returncode == 0, synced.stderr
    assert synced.stdout.splitlines()[-2:] == [
        "0 delivered, 0 queued, 0 failed",
        "2 local decisions (Jumio, Preventor): nothing is sent for them",
    ]
    assert [r.scan_id for r in sim.feedback()] == ["ready-1"]
    assert writes(sim) == [("POST", "/reviews/feedback")]
    with Store(tmp_path / "data" / "reviewdesk.sqlite3") as store:
        kept = {e.scan_id: e for e in store.local_decisions()}
    assert (
        kept[JUMIO].annotation_info["note"] == "forged  MRZ"
        and kept[JUMIO].annotation_info["source"] == "jumio"
    )
    assert kept[PREVENTOR].annotation_info["reviewer"] == "unknown"  # nobody signed in, none remembered


def test_a_new_local_decision_replaces_the_earlier_one(sim, env: dict[str, str]) -> None:
    assert run("decide", JUMIO, "approve", env=env).returncode == 0
    assert run("decide", JUMIO, "reject_expired", env=env).returncode == 0
    lines = run("queue", "--all", env=env).stdout.splitlines()
    assert [line.split()[:3] for line in lines[1:-1]] == [[JUMIO, "reject_expired", "local"]]


def test_a_code_the_source_does_not_take_is_refused_and_nothing_is_stored(
    sim, env: dict[str, str], tmp_path: Path
) -> None:
    result = run("decide", PREVENTOR, "approved", env=env)  # Dyneti's shortcode, not Preventor's
    assert result.returncode == 2
    assert result.stderr.strip().endswith(
        "'approved' is not a decision for the Preventor ticket T-cli-9; valid decisions are: approve, "
        "reject_document, reject_face_mismatch, reject_liveness, reject_other, escalate"
    )
    assert run("queue", "--all", env=env).stdout.splitlines()[-1].startswith("0 local decisions")
    assert sim.requests_log() == []
