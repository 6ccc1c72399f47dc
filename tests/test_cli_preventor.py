"""reviewdesk.cli.preventor: `reviewdesk preventor ticket|images` as a real process against the simulator
(docs/PREVENTOR.md), and the simulator's own command line for Preventor and Bouncer."""

from __future__ import annotations

import json

import pytest

from reviewdesk.api.images import image_format
from support.process import run_cli as run

TOKEN = "demo-preventor-token"


# -- command line ------------------------------------------------------------------------------


@pytest.fixture
def env(sim, tmp_path):
    return {"REVIEWDESK_PREVENTOR_TOKEN": TOKEN, "REVIEWDESK_DATA_DIR": str(tmp_path / "data")}


@pytest.mark.parametrize("shape", ["list", "object"])
def test_cli_ticket_prints_the_details_as_json(sim, env, shape) -> None:
    sim.config.preventor_shape = shape
    result = run("preventor", "ticket", "T-9", "--url", sim.base_url, env=env)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert ("summary" in data) if shape == "list" else ("data" in data)


def test_cli_images_saves_each_as_type_n_ext_and_prints_the_paths(sim, env, tmp_path) -> None:
    out = tmp_path / "imgs"
    result = run("preventor", "images", "T-9", "-o", str(out), "--url", sim.base_url, env=env)
    assert result.returncode == 0, result.stderr
    names = [line.rsplit("/", 1)[-1] for line in result.stdout.split()]
    assert names == [
        "DOCUMENT-1.jpg",
        "SELF_PORTRAITS-1.jpg",
        "DOCUMENT_PORTRAIT-1.png",
        "DOCUMENT_GHOST_PORTRAIT-1.png",
        "DOCUMENT_SIGNATURE-1.png",
    ]
    assert image_format((out / "DOCUMENT-1.jpg").read_bytes()) == "JPEG"
    only = run(
        "preventor", "images", "T-9", "-o", str(tmp_path / "two"), "--type", "DOCUMENT_SIGNATURE,DOCUMENT",
        "--url", sim.base_url, env=env,
    )  # fmt: skip
    assert [p.rsplit("/", 1)[-1] for p in only.stdout.split()] == [
        "DOCUMENT-1.jpg",
        "DOCUMENT_SIGNATURE-1.png",
    ]


def test_cli_broken_image_exits_5_and_the_others_are_saved(sim, env, tmp_path) -> None:
    out = tmp_path / "imgs"
    result = run("preventor", "images", "broken-2", "-o", str(out), "--url", sim.base_url, env=env)
    assert result.returncode == 5
    assert "image DOCUMENT-1 of ticket broken-2" in result.stderr
    assert sorted(p.name for p in out.iterdir()) == [
        "DOCUMENT_GHOST_PORTRAIT-1.png",
        "DOCUMENT_PORTRAIT-1.png",
        "DOCUMENT_SIGNATURE-1.png",
    ]


def test_cli_exit_codes(sim, env, tmp_path) -> None:
    base = ["--url", sim.base_url]
    assert run("preventor", "ticket", "missing-1", *base, env=env).returncode == 4
    bad = run("preventor", "ticket", "T-1", *base, env={**env, "REVIEWDESK_PREVENTOR_TOKEN": "nope-nope-1"})
    assert bad.returncode == 3 and "nope-nope-1" not in bad.stderr
    assert run("preventor", "ticket", "T-1", *base, env={"X": "1"}).returncode == 3  # no token at all
    wrong_type = run("preventor", "images", "T-1", "-o", str(tmp_path), "--type", "FACE", *base, env=env)
    assert wrong_type.returncode == 2 and "unknown image type" in wrong_type.stderr
    assert not [r for r in sim.requests_log() if r[1].endswith("/T-1/images")]  # nothing was sent
    sim.config.preventor_shape = "unknown"
    odd = run("preventor", "images", "T-1", "-o", str(tmp_path / "x"), *base, env=env)
    assert odd.returncode == 5 and "top-level keys: status, payload, version" in odd.stderr
    sim.stop()
    assert run("preventor", "ticket", "T-1", *base, env=env).returncode == 5


def test_cli_verbose_logs_never_show_the_token_or_key(sim, env, tmp_path) -> None:
    sim.config.preventor_api_key = "the-api-key-42"
    result = run(
        "-vv", "preventor", "images", "T-1", "-o", str(tmp_path / "i"), "--url", sim.base_url,
        env={**env, "REVIEWDESK_PREVENTOR_API_KEY": "the-api-key-42"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "sig=secret-signature" not in result.stderr
    assert TOKEN not in result.stderr and "the-api-key-42" not in result.stderr


def test_cli_without_a_token_says_how_to_give_one_and_a_missing_command_is_usage(tmp_path) -> None:
    result = run("preventor", "ticket", "T-1", env={"REVIEWDESK_DATA_DIR": str(tmp_path)})
    assert result.returncode == 3
    assert "`read -rs REVIEWDESK_PREVENTOR_TOKEN && export REVIEWDESK_PREVENTOR_TOKEN`" in result.stderr
    assert run("preventor", env={"REVIEWDESK_DATA_DIR": str(tmp_path)}).returncode == 2


def test_sim_command_line_sets_the_preventor_and_bouncer_knobs() -> None:
    import argparse

    from reviewdesk.sim.cli import add_arguments, config_from_args

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        ["--preventor-shape", "object", "--preventor-api-key", "k1", "--bouncer-header", "bearer"]
    )
    config = config_from_args(args)
    assert (config.preventor_shape, config.preventor_api_key, config.bouncer_header_mode) == (
        "object",
        "k1",
        "bearer",
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--preventor-shape", "xml"])
