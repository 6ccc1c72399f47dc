"""`reviewdesk jumio ...`, run as a real process against the simulator."""

from __future__ import annotations

import json
import logging

import pytest

from support.jumio import USER_AGENT, cli_env, jumio_requests
from support.process import run_cli as run


def url(sim) -> list[str]:
    return ["--url", sim.base_url]


def test_status_prints_ref_and_status_for_every_kind(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path)
    for args, expected in (
        (["done-id-1"], "done-id-1 DONE"),
        (["failed-1"], "failed-1 FAILED"),
        (["pending-5-a"], "pending-5-a PENDING"),
        (["auth-passed-1", "--kind", "authentication"], "auth-passed-1 PASSED"),
        (["dv-cc-1", "--kind", "document"], "dv-cc-1 DONE"),
    ):
        result = run("jumio", "status", *args, *url(sim), env=env)
        assert (result.returncode, result.stdout.strip()) == (0, expected), result.stderr
    assert all(r["user_agent"] == USER_AGENT for r in jumio_requests(sim))


@pytest.mark.parametrize(
    ("ref", "extra", "code", "text"),
    [
        ("nobody-1", {}, 4, "404"),
        ("done-id-1", {"REVIEWDESK_JUMIO_SECRET": "wrong"}, 3, "401"),
        ("weird-1", {}, 5, "unknown status 'PROCESSING'"),
        ("nostatus-1", {}, 5, "no `status` field"),
    ],
)
def test_status_exit_codes(sim, tmp_path, ref, extra, code, text) -> None:
    result = run("jumio", "status", ref, *url(sim), env=cli_env(sim, tmp_path, **extra))
    assert result.returncode == code and text in result.stderr and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert "wrong" not in result.stderr


def test_network_and_server_errors_exit_5(sim, tmp_path) -> None:
    sim.config.failure_rate = 1.0
    unavailable = run("jumio", "status", "done-id-1", *url(sim), env=cli_env(sim, tmp_path))
    sim.stop()
    unreachable = run("jumio", "status", "done-id-1", *url(sim), env=cli_env(sim, tmp_path))
    assert unavailable.returncode == 5 and "503" in unavailable.stderr
    assert unreachable.returncode == 5 and "cannot reach" in unreachable.stderr


def test_no_user_agent_no_request_and_the_message_names_the_setting(sim, tmp_path) -> None:
    result = run(
        "jumio", "status", "done-id-1", *url(sim), env=cli_env(sim, tmp_path, REVIEWDESK_JUMIO_USER_AGENT="")
    )
    assert result.returncode == 2
    assert "jumio_user_agent" in result.stderr and "REVIEWDESK_JUMIO_USER_AGENT" in result.stderr
    assert sim.requests_log() == []
    # From settings.json it works too.
    config = tmp_path / "data" / "config"
    config.mkdir(parents=True)
    (config / "settings.json").write_text(json.dumps({"jumio_user_agent": "Beta Corp Checker/2.0"}))
    ok = run(
        "jumio", "status", "done-id-1", *url(sim), env=cli_env(sim, tmp_path, REVIEWDESK_JUMIO_USER_AGENT="")
    )
    assert ok.returncode == 0, ok.stderr
    assert jumio_requests(sim)[-1]["user_agent"] == "Beta Corp Checker/2.0"


def test_no_credentials_names_the_environment_variables(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path, REVIEWDESK_JUMIO_TOKEN="", REVIEWDESK_JUMIO_SECRET="")
    result = run("jumio", "status", "done-id-1", *url(sim), env=env)
    assert result.returncode == 3
    assert "REVIEWDESK_JUMIO_TOKEN" in result.stderr and "REVIEWDESK_JUMIO_SECRET" in result.stderr
    half = run(
        "jumio", "status", "done-id-1", *url(sim), env=cli_env(sim, tmp_path, REVIEWDESK_JUMIO_SECRET="")
    )
    assert half.returncode == 3 and "only one" in half.stderr
    login = run("login", "--jumio", env=env)
    assert login.returncode == 3 and "REVIEWDESK_JUMIO_TOKEN" in login.stderr and "keyring" in login.stderr
    logout = run("logout", "--jumio", env=env)
    assert logout.returncode == 3 and "unset REVIEWDESK_JUMIO_TOKEN REVIEWDESK_JUMIO_SECRET" in logout.stderr
    assert sim.requests_log() == []


def test_details_is_one_json_object(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path)
    result = run("jumio", "details", "fraud-1", *url(sim), env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"document", "transaction", "verification", "scanReference", "timestamp"} <= set(data)
    assert data["verification"]["rejectReason"]["rejectReasonCode"] == "100"
    card = json.loads(run("jumio", "details", "card-1", *url(sim), env=env).stdout)
    assert card["document"]["personalNumber"] == "XXXXXXXXXXXX1111"
    dv = json.loads(run("jumio", "details", "dv-bs-1", "--kind", "document", *url(sim), env=env).stdout)
    auth = json.loads(
        run("jumio", "details", "auth-failed-1", "--kind", "authentication", *url(sim), env=env).stdout
    )
    assert dv["document"]["type"] == "BS" and auth["transactionResult"] == "FAILED"


def test_images_saves_every_image_keeping_the_format_and_prints_each_path(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path)
    out = tmp_path / "out"
    result = run("jumio", "images", "done-id-1", "-o", str(out), *url(sim), env=env)
    assert result.returncode == 0, result.stderr
    names = [line.rsplit("/", 1)[-1] for line in result.stdout.splitlines()]
    assert names == ["front.jpg", "back.jpg", "face.png"]  # the simulator's face is a PNG
    assert (out / "face.png").read_bytes().startswith(b"\x89PNG")
    live = run("jumio", "images", "liveness-1", "-o", str(tmp_path / "l"), *url(sim), env=env)
    assert [p.rsplit("/", 1)[-1] for p in live.stdout.splitlines()][2:] == [
        f"liveness-{n}.jpg" for n in range(1, 8)
    ]
    pages = run(
        "jumio", "images", "dv-bs-1", "--kind", "document", "-o", str(tmp_path / "p"), *url(sim), env=env
    )
    assert [p.rsplit("/", 1)[-1] for p in pages.stdout.splitlines()] == ["page-1.jpg", "page-2.jpg"]


def test_images_bad_ones_are_reported_and_the_good_ones_saved(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path)
    other = run("jumio", "images", "otherhost-1", "-o", str(tmp_path / "o"), *url(sim), env=env)
    assert other.returncode == 5 and other.stdout == "" and "another host" in other.stderr
    assert not list((tmp_path / "o").iterdir())
    huge = run("jumio", "images", "huge-1", "-o", str(tmp_path / "h"), *url(sim), env=env)
    assert huge.returncode == 5 and "megapixels" in huge.stderr
    assert sorted(p.name for p in (tmp_path / "h").iterdir()) == ["back.jpg", "face.jpg"]
    broken = run("jumio", "images", "broken-1", "-o", str(tmp_path / "b"), *url(sim), env=env)
    assert broken.returncode == 5 and "damaged" in broken.stderr
    (tmp_path / "file").write_text("x")
    assert (
        run("jumio", "images", "done-id-1", "-o", str(tmp_path / "file"), *url(sim), env=env).returncode == 2
    )


def test_wait_polls_on_the_scaled_schedule_until_done(sim, tmp_path) -> None:
    result = run(
        "jumio", "wait", "pending-3-a", "--schedule-scale", "0.001", *url(sim), env=cli_env(sim, tmp_path)
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "try 1 of 10 (+0.04 s): pending-3-a PENDING"
    assert lines[3] == "try 4 of 10 (+0.16 s): pending-3-a DONE" and lines[-1] == "pending-3-a DONE"
    assert sum(r["path"].endswith("/scans/pending-3-a") for r in jumio_requests(sim)) == 4


def test_wait_gives_up_after_the_tenth_try(sim, tmp_path) -> None:
    args = ("auth-started-1", "--kind", "authentication", "--schedule-scale", "0.001")
    result = run("jumio", "wait", *args, *url(sim), env=cli_env(sim, tmp_path))
    assert result.returncode == 6
    assert len(result.stdout.splitlines()) == 10 and "still STARTED after 10 tries" in result.stderr
    assert len(jumio_requests(sim)) == 10


def test_usage_errors_exit_2(sim, tmp_path) -> None:
    env = cli_env(sim, tmp_path)
    assert run("jumio", env=env).returncode == 2
    assert run("jumio", "status", "x", "--kind", "nope", env=env).returncode == 2
    plain = run("jumio", "status", "x", "--url", "http://example.com", env=env)
    assert plain.returncode == 2 and "https" in plain.stderr
    scale = run("jumio", "wait", "x", "--schedule-scale", "0", *url(sim), env=env)
    assert scale.returncode == 2


class MemoryKeyring:
    """An OS keyring stand-in (in memory) for one in-process test: no real keyring is touched."""

    @staticmethod
    def make():
        from keyring.backend import KeyringBackend

        class Backend(KeyringBackend):
            priority = 1  # type: ignore[assignment]

            def __init__(self) -> None:
                super().__init__()
                self.values: dict[tuple[str, str], str] = {}

            def get_password(self, service, username):
                return self.values.get((service, username))

            def set_password(self, service, username, password):
                self.values[(service, username)] = password

            def delete_password(self, service, username):
                self.values.pop((service, username), None)

        return Backend()


def test_login_jumio_stores_both_in_the_keyring_and_the_commands_use_them(
    sim, tmp_path, monkeypatch, capsys
) -> None:
    import getpass

    import keyring

    from reviewdesk.cli import main

    backend = MemoryKeyring.make()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        answers = iter([sim.config.jumio_token, sim.config.jumio_secret])
        monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
        for name in ("REVIEWDESK_JUMIO_TOKEN", "REVIEWDESK_JUMIO_SECRET"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("REVIEWDESK_JUMIO_USER_AGENT", USER_AGENT)
        monkeypatch.setenv("REVIEWDESK_DATA_DIR", str(tmp_path / "data"))
        assert main(["login", "--jumio"]) == 0
        assert sim.config.jumio_secret in backend.values.values()
        assert main(["jumio", "status", "done-visa-1", *url(sim)]) == 0
        assert capsys.readouterr().out.splitlines()[-1] == "done-visa-1 DONE"
        assert main(["logout", "--jumio"]) == 0 and backend.values == {}
        assert main(["jumio", "status", "done-visa-1", *url(sim)]) == 3  # nothing stored any more
    finally:
        keyring.set_keyring(previous)
        root.handlers[:] = handlers  # main() adds its stderr handler: leave the root as it was
        root.setLevel(level)


def test_settings_keep_the_jumio_fields_and_refuse_an_unknown_region(tmp_path) -> None:
    from reviewdesk.settings import Settings

    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"jumio_user_agent": "A B/1", "jumio_region": "mars"}))
    settings = Settings.load(path)
    assert (settings.jumio_user_agent, settings.jumio_region) == ("A B/1", "us")
    path.write_text(json.dumps({"jumio_region": "eu"}))
    assert Settings.load(path).jumio_region == "eu"


def test_wait_since_an_old_acquisition_asks_at_once(sim, tmp_path) -> None:
    import time

    started = time.monotonic()
    result = run("jumio", "wait", "done-id-1", "--since", "3600", *url(sim), env=cli_env(sim, tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["try 1 of 10 (+40 s): done-id-1 DONE", "done-id-1 DONE"]
    assert time.monotonic() - started < 30  # not the 40 s the first try waits after a fresh acquisition
