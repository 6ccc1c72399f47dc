"""Hostile files, folders and disks: huge facts, broken CSV, deep JSON, unknown commands, owner-only
files, a full disk, a damaged database. Real files, real processes, real SQLite.

Covers reviewdesk.domain.importer, reviewdesk.domain.keymap, reviewdesk.settings, reviewdesk.logs,
reviewdesk.store (salvage, a full disk) and the command line.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import stat
import time
from pathlib import Path

import jwt
import pytest

from reviewdesk.domain.decision import build_annotation_info
from reviewdesk.domain.importer import ImportFailed, parse_csv, parse_file, parse_json
from reviewdesk.domain.keymap import Keymap, KeymapError
from reviewdesk.domain.scan import Scan
from reviewdesk.limits import MAX_FACT_LENGTH
from reviewdesk.settings import Settings
from support.process import run_cli
from support.tokens import raw_jwt

TOKEN = jwt.encode({"revier_id": "kim", "exp": int(time.time()) + 3600}, "k" * 32, algorithm="HS256")
DEAD_SERVER = "http://127.0.0.1:9"  # nothing listens: decisions stay queued


def ids(result) -> list[str]:
    return [s.scan_id for s in result.scans]


# -- 7: facts are bounded on import, and in the feedback body ----------------------------------------


def test_a_10_mib_cardholder_is_left_out_of_a_json_import_quickly(tmp_path: Path) -> None:
    huge = "J" * (10 * 1024 * 1024)
    path = tmp_path / "queue.json"
    path.write_text(json.dumps([{"scanId": "s1", "cardholder": huge, "bin": "411111"}, {"scanId": "s2"}]))
    started = time.monotonic()
    result = parse_file(path)
    assert time.monotonic() - started < 5  # linear, once: no UI ever sees the value
    assert ids(result) == ["s1", "s2"]
    assert result.scans[0].facts == {"bin": "411111"}
    assert "cardholder is 10485760 characters long, over 256; it was left out" in result.summary()


def test_long_facts_are_left_out_of_csv_and_nested_json_alike() -> None:
    long = "M" * (MAX_FACT_LENGTH + 1)
    result = parse_csv(f"scanId,merchantRef,amount\ns1,{long},1.00\ns2,{'m' * MAX_FACT_LENGTH},2\n")
    assert [s.facts for s in result.scans] == [{"amount": "1.00"}, {"merchantRef": "m" * 256, "amount": "2"}]
    assert [p.line for p in result.problems] == [2]
    nested = parse_json(json.dumps([{"scanId": "s1", "cardFacts": {"cardholder": long}}]))
    assert nested.scans[0].facts == {} and "left out" in nested.problems[0].message
    assert long not in nested.summary()


def test_the_feedback_body_carries_bounded_card_facts() -> None:
    facts = {"cardholder": "x" * 1_000_000, **{f"k{i}": "v" for i in range(100)}}
    info = build_annotation_info(reviewer="kim", card_facts=facts)
    assert len(json.dumps(info)) < 8000
    assert info["cardFacts"]["cardholder"] == "x" * MAX_FACT_LENGTH


# -- 8, 9, 10: CSV that cannot be read as it stands -------------------------------------------------


def test_a_field_over_the_csv_limit_is_reported_and_the_rest_imports() -> None:
    text = "scanId,name\ns1,a\ns2," + "x" * 200_000 + "\ns3,b\ns4,c\n"
    result = parse_csv(text)
    assert ids(result) == ["s1", "s3", "s4"]
    assert len(result.problems) == 1 and result.problems[0].line == 3
    assert "longer than 131072 characters (row skipped)" in result.problems[0].message


def test_a_csv_without_a_header_never_echoes_card_data() -> None:
    with pytest.raises(ImportFailed) as caught:
        parse_csv("4111111111111111, 12/27, JOHN Q CARDHOLDER, 123\n4000000000000002,01/28,A B,456\n")
    message = str(caught.value)
    assert "scanId column" in message and "row of data" in message
    for secret in ("4111", "12/27", "123", "JOHN"):
        assert secret not in message


def test_a_binary_file_with_a_csv_name_echoes_no_garbage(tmp_path: Path) -> None:
    path = tmp_path / "photo.csv"
    path.write_bytes(bytes(range(1, 256)) * 4)  # no NUL, so it decodes as Latin-1
    with pytest.raises(ImportFailed) as caught:
        parse_file(path)
    message = str(caught.value)
    assert "does not look like text" in message
    assert all(c.isprintable() for c in message) and len(message) < 200


def test_a_header_with_a_typo_is_still_named() -> None:
    with pytest.raises(ImportFailed, match=r"\(found: scan, bin\)"):
        parse_csv("scan,bin\nabc,411111\n")


def test_an_unterminated_quote_on_the_last_line_is_reported_not_imported() -> None:
    result = parse_csv('scanId,bin\ns1,411111\n"csv-quote,424242')
    assert ids(result) == ["s1"]
    assert [p.line for p in result.problems] == [3]
    assert "never closed" in result.problems[0].message
    result = parse_csv('scanId\ns1\n"csv-quote\n')
    assert ids(result) == ["s1"] and result.problems[0].line == 3


# -- 11: settings and keymap files nested too deeply -------------------------------------------------


def test_deeply_nested_settings_fall_back_to_defaults_and_say_so(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    settings, problem = Settings.load_checked(path)
    assert settings == Settings()
    assert "nested too deeply" in problem and "default settings are used" in problem
    assert (tmp_path / "settings.json.broken").exists() and not path.exists()


def test_deeply_nested_keymap_is_a_keymap_error(tmp_path: Path) -> None:
    path = tmp_path / "keymap.json"
    path.write_text('{"shortcodes": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(KeymapError, match="nested too deeply"):
        Keymap.load(path)


def test_start_up_goes_on_with_defaults_after_deep_settings_and_keymap(tmp_path: Path) -> None:
    config = tmp_path / "data" / "config"
    config.mkdir(parents=True)
    deep = "[" * 100_000 + "]" * 100_000
    (config / "settings.json").write_text(deep)
    (config / "keymap.json").write_text(deep)
    done = run_cli(
        "--data-dir", str(tmp_path / "data"), "--exit-after-start", env={"QT_QPA_PLATFORM": "offscreen"}
    )
    assert done.returncode == 0, done.stderr
    assert "ready" in done.stdout and "Traceback" not in done.stderr
    log = (tmp_path / "data" / "logs" / "reviewdesk.log").read_text()
    assert "nested too deeply" in log


# -- 12: a mistyped command never opens the window ---------------------------------------------------


@pytest.mark.parametrize("word", ["synk", "report", "queue.csv"])  # (`export` is a command now)
def test_an_unknown_command_lists_the_commands_and_opens_nothing(tmp_path: Path, word: str) -> None:
    done = run_cli("--data-dir", str(tmp_path / "d"), word, env={"QT_QPA_PLATFORM": "offscreen"}, timeout=30)
    assert done.returncode == 2
    assert "is neither a command nor an existing file" in done.stderr
    assert "authorize, url, image, decide, queue, sync" in done.stderr
    assert not (tmp_path / "d").exists()  # nothing started: no folders made
    if word == "synk":
        assert "did you mean `reviewdesk sync`?" in done.stderr


# -- 13: the database path is a folder; a read-only data folder --------------------------------------


def test_a_database_path_that_is_a_folder_is_a_clear_message(tmp_path: Path) -> None:
    (tmp_path / "d" / "reviewdesk.sqlite3").mkdir(parents=True)
    env = {"REVIEWDESK_TOKEN": TOKEN, "REVIEWDESK_BASE_URL": DEAD_SERVER, "QT_QPA_PLATFORM": "offscreen"}
    for argv in (["decide", "s1", "approved"], ["queue"], ["sync"], ["--exit-after-start"]):
        done = run_cli("--data-dir", str(tmp_path / "d"), *argv, env=env)
        assert done.returncode == 1, (argv, done.stderr)
        assert "Traceback" not in done.stderr
        assert "is a folder, not a file" in done.stderr, argv


@pytest.fixture
def read_only_folder(tmp_path: Path):
    """A folder nobody may write to: chmod for an ordinary user, a read-only bind mount for root."""
    folder = tmp_path / "ro"
    folder.mkdir()
    if os.geteuid() != 0:
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    import subprocess

    source = tmp_path / "ro-source"
    source.mkdir()
    made = subprocess.run(["mount", "--bind", str(source), str(folder)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot make a read-only folder as root here (no bind mount)")
    try:
        remount = subprocess.run(["mount", "-o", "remount,bind,ro", str(folder)], capture_output=True)
        if remount.returncode != 0:
            pytest.skip("cannot make a read-only folder as root here (no read-only remount)")
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)


def test_a_read_only_data_folder_is_a_clear_message(read_only_folder: Path) -> None:
    env = {"REVIEWDESK_TOKEN": TOKEN, "REVIEWDESK_BASE_URL": DEAD_SERVER, "QT_QPA_PLATFORM": "offscreen"}
    for argv in (["decide", "s1", "approved"], ["--exit-after-start"]):
        done = run_cli("--data-dir", str(read_only_folder), *argv, env=env)
        assert done.returncode == 1, (argv, done.stderr)
        assert "Traceback" not in done.stderr
        assert "ReviewDesk needs a folder it can write to" in done.stderr, argv


# -- 14: the disk fills while the command line records a decision ------------------------------------


def test_a_decision_the_disk_cannot_take_is_a_clear_message_naming_it(tmp_path: Path) -> None:
    """The file-size limit (RLIMIT_FSIZE) makes every write past 64 KiB fail, as a full disk does."""
    env = {"REVIEWDESK_TOKEN": TOKEN, "REVIEWDESK_BASE_URL": DEAD_SERVER}
    first = run_cli("--data-dir", str(tmp_path / "d"), "decide", "s-1", "approved", env=env)
    assert first.returncode == 0, first.stderr

    def small_disk() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    import subprocess
    import sys

    full_env = {k: v for k, v in os.environ.items() if not k.startswith("REVIEWDESK_")} | env
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reviewdesk",
            "--data-dir",
            str(tmp_path / "d"),
            "decide",
            "s-2",
            "approved",
            "--note",
            "n" * 100_000,
        ],
        capture_output=True,
        text=True,
        env=full_env,
        preexec_fn=small_disk,
        timeout=60,
    )
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "could not record the decision approved for scan s-2" in done.stderr
    assert re.search(r"disk (is full|reported an I/O error)", done.stderr)
    queued = run_cli("--data-dir", str(tmp_path / "d"), "queue", env=env)
    assert "s-1" in queued.stdout and "s-2" not in queued.stdout


def test_a_full_disk_under_the_log_is_said_once_not_per_record(tmp_path: Path, capfd) -> None:
    import logging

    from reviewdesk.logs import PrivateRotatingFileHandler

    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    (tmp_path / "reviewdesk.log").symlink_to("/dev/full")  # every write: ENOSPC, as on a full disk
    handler = PrivateRotatingFileHandler(tmp_path / "reviewdesk.log", maxBytes=2_000_000, backupCount=3)
    logger = logging.getLogger("test.full-disk")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        for i in range(50):
            logger.error("decision %d not recorded", i)
    finally:
        logger.removeHandler(handler)
        handler.close()
    err = capfd.readouterr().err
    assert "--- Logging error ---" not in err and "Traceback" not in err
    assert err.count("cannot write the log") == 1 and "No space left on device" in err


# -- 15: owner-only files, whatever the folder -------------------------------------------------------


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_files_are_owner_only_in_an_open_folder(tmp_path: Path) -> None:
    from reviewdesk.store import Store

    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    old = os.umask(0o022)
    try:
        store = Store(folder / "reviewdesk.sqlite3")
        store.add_scans([Scan("s1", {"cardholder": "A B"})])
        store.record_decision("s1", "approved", {})
        made = [
            folder / n for n in ("reviewdesk.sqlite3", "reviewdesk.sqlite3-wal", "reviewdesk.sqlite3-shm")
        ]
        made.append(folder / "reviewdesk.sqlite3.lock")
        modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in made}
        store.close()
        Settings().save(folder / "config" / "settings.json")
        Keymap.save_defaults(folder / "config" / "keymap.json")
    finally:
        os.umask(old)
    modes["settings.json"] = stat.S_IMODE((folder / "config" / "settings.json").stat().st_mode)
    modes["keymap.json"] = stat.S_IMODE((folder / "config" / "keymap.json").stat().st_mode)
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE((folder / "config").stat().st_mode) == 0o700


@pytest.mark.skipif(os.name != "posix", reason="POSIX modes")
def test_the_window_and_the_command_line_make_owner_only_files(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    (folder / "reviewdesk.sqlite3").touch(mode=0o644)  # left readable by an older version
    (folder / "reviewdesk.sqlite3").chmod(0o644)
    done = run_cli("--data-dir", str(folder), "--exit-after-start", env={"QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    env = {"REVIEWDESK_TOKEN": TOKEN, "REVIEWDESK_BASE_URL": DEAD_SERVER}
    assert run_cli("--data-dir", str(folder), "decide", "s1", "approved", env=env).returncode == 0
    for path in folder.rglob("*"):
        want = 0o700 if path.is_dir() else 0o600
        assert stat.S_IMODE(path.stat().st_mode) == want, path
    assert {p.name for p in folder.rglob("*")} >= {"reviewdesk.sqlite3", "config", "logs", "reviewdesk.log"}


# -- 16: decisions salvaged from a damaged database, shown before anything is sent -------------------


def damaged_database(folder: Path, *, hit: str) -> tuple[Path, dict[str, str]]:
    """A real ReviewDesk database with 40 undelivered decisions (and 5 delivered), damaged on the
    pages of the `hit` table, then moved aside as ReviewDesk does. Returns the moved file and the
    idempotency key of each undelivered decision."""
    import sqlite3

    from reviewdesk.store import Store
    from reviewdesk.store.errors import StoreCorruptError

    db = folder / "reviewdesk.sqlite3"
    store = Store(db)
    store.add_scans(Scan(f"scan-{i}", {"cardholder": f"NAME {i} " + "x" * 200}) for i in range(3000))
    entries = [
        store.record_decision(
            # made by kim (as every decision names its reviewer), on a server this database did not record
            f"scan-{i}",
            "approved" if i % 2 else "denied_fake_card",
            {"n": i, "reviewer": "kim"},
            note=f"n{i}",
        )
        for i in range(45)
    ]
    store.mark_delivered_many(e.id for e in entries[:5])
    store.close()
    conn = sqlite3.connect(db)
    try:
        pages = [
            p
            for (p,) in conn.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf'", (hit,))
        ]
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table to find the pages to damage")
    finally:
        conn.close()
    data = bytearray(db.read_bytes())
    targets = pages[1::3] if hit == "scans" else pages[1:2]
    for page in targets:
        start = (page - 1) * page_size
        data[start : start + page_size] = b"\xee" * page_size
    db.write_bytes(bytes(data))
    with pytest.raises(StoreCorruptError) as caught:
        Store(db)
    moved = caught.value.moved_to
    assert moved is not None and moved.exists()
    return moved, {e.scan_id: e.idempotency_key for e in entries[5:]}


def test_recover_shows_every_undelivered_decision_then_queues_them_on_yes(tmp_path: Path, sim) -> None:
    data = tmp_path / "d"
    data.mkdir()
    moved, keys = damaged_database(data, hit="scans")
    env = {"REVIEWDESK_TOKEN": sim.mint_token("kim"), "REVIEWDESK_BASE_URL": sim.base_url}
    cli = lambda *argv: run_cli("--data-dir", str(data), *argv, env=env)  # noqa: E731

    from reviewdesk.store import Store

    with Store(data / "reviewdesk.sqlite3"):  # the window has the new database open: listing still works
        shown = cli("recover", str(moved))
    assert shown.returncode == 0, shown.stderr
    listed = [line.split()[1] for line in shown.stdout.splitlines() if line.startswith("recover ")]
    assert sorted(listed) == sorted(keys)
    assert "40 undelivered decision(s) read from" in shown.stdout and "nothing was changed" in shown.stdout
    assert cli("queue").stdout.strip() == "nothing queued" and sim.feedback() == []

    # Decided again since the damage: that newer decision stands.
    assert cli("decide", "scan-10", "denied_screen_display", "--hold", "0").returncode == 0
    queued = cli("recover", str(moved), "--yes")
    assert queued.returncode == 0, queued.stderr
    assert "queued 39 decision(s)" in queued.stdout
    assert re.search(r"^decided again since\s+scan-10 ", queued.stdout, re.M)
    assert sim.feedback() != [] and {r.scan_id for r in sim.feedback()} == {"scan-10"}  # only `decide` sent
    with Store(data / "reviewdesk.sqlite3") as store:  # the recovery is in the audit trail (docs/AUDIT.md)
        records = store.audit_records()
    assert records[-1].action == "recovery" and records[-1].detail == {"file": moved.name, "decisions": 39}
    recovered = [r for r in records if r.detail.get("shown", {}).get("recoveredFrom") == moved.name]
    assert len(recovered) == 39

    assert cli("sync").returncode == 0
    got = {r.scan_id: r for r in sim.feedback_unique()}
    assert set(got) == set(keys)
    assert got["scan-10"].shortcode == "denied_screen_display"
    for scan_id, key in keys.items():
        if scan_id != "scan-10":
            assert got[scan_id].annotation_info["idempotencyKey"] == key  # the same decision, not a copy
    again = cli("recover", str(moved), "--yes")
    assert "queued 0" not in again.stdout and "recover " not in again.stdout  # nothing twice


def test_recover_reads_around_a_damaged_outbox_page(tmp_path: Path) -> None:
    from reviewdesk.store.salvage import salvage_outbox

    moved, keys = damaged_database(tmp_path, hit="outbox")
    before = moved.read_bytes()
    found = salvage_outbox(moved)
    assert moved.read_bytes() == before  # the damaged file itself is never touched
    assert not found.whole and found.unreadable > 0
    assert 0 < len(found.entries) < 40
    for entry in found.entries:
        assert keys[entry.scan_id] == entry.idempotency_key and entry.note == f"n{entry.scan_id[5:]}"
    env = {"REVIEWDESK_TOKEN": TOKEN, "REVIEWDESK_BASE_URL": DEAD_SERVER}
    shown = run_cli("--data-dir", str(tmp_path / "new"), "recover", str(moved), env=env)
    assert shown.returncode == 0 and "could not be read (damaged)" in shown.stdout
    assert not (tmp_path / "new").exists()  # listing creates nothing


# -- 17: no secret in shell history; login/logout without a keyring name the variable ----------------


def test_the_readme_never_puts_a_secret_on_a_command_line() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert not re.search(r"(REVIEWDESK_TOKEN|REVIEWDESK_ADMIN_KEY)=[<$\w]", readme)
    assert "read -rs REVIEWDESK_TOKEN && export REVIEWDESK_TOKEN" in readme


@pytest.mark.parametrize(
    ("argv", "var"), [(["login"], "REVIEWDESK_TOKEN"), (["login", "--admin"], "REVIEWDESK_ADMIN_KEY")]
)
def test_login_without_a_keyring_names_the_variable_before_asking(tmp_path: Path, argv, var: str) -> None:
    done = run_cli("--data-dir", str(tmp_path), *argv)  # the tests' keyring is keyring's null backend
    assert done.returncode == 3
    assert "Paste" not in done.stderr + done.stdout  # nobody is asked for a secret that cannot be kept
    assert f"`read -rs {var} && export {var}`" in done.stderr


def test_logout_without_a_keyring_names_the_variables(tmp_path: Path) -> None:
    done = run_cli("--data-dir", str(tmp_path), "logout")
    assert done.returncode == 3
    assert "unset REVIEWDESK_TOKEN REVIEWDESK_ADMIN_KEY" in done.stderr


def test_json_with_a_number_too_long_to_read_is_a_clear_failure(tmp_path: Path) -> None:
    huge = "9" * 5000  # Python refuses to turn more than 4300 digits into an int
    with pytest.raises(ImportFailed, match="number too long"):
        parse_json(f'[{{"scanId": "s1", "amount": {huge}}}]')
    path = tmp_path / "keymap.json"
    path.write_text(f'{{"shortcodes": {{"approved": {huge}}}}}')
    with pytest.raises(KeymapError, match="number too long"):
        Keymap.load(path)


def test_the_command_line_refuses_a_token_with_an_infinite_exp(tmp_path: Path) -> None:
    for exp in ("1e999", "NaN", "4000000000.5"):
        token = raw_jwt('{"revier_id":"x","exp":' + exp + "}")
        done = run_cli(
            "--data-dir",
            str(tmp_path),
            "url",
            "s1",
            env={"REVIEWDESK_TOKEN": token, "REVIEWDESK_BASE_URL": DEAD_SERVER},
        )
        assert done.returncode == 3, done.stderr
        assert "expiry (exp) is not a whole number" in done.stderr
