"""The reviewer's record in the window (ui/record.py): File > Export decisions through its file
dialog, View > Statistics from its key, File > Import a share, and the audit trail the window
writes (sign-in, sign-out, imports, what was shown) with no secret in the database."""

from __future__ import annotations

import asyncio
import csv
import stat
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from reviewdesk.domain.share import share_of
from reviewdesk.store import Store
from support.outbox import database_bytes
from support.window import WAIT, desk, latest_by_scan, ready, run_on_loop, sign_in, type_keys, wait_image
from support.window import sim as sim  # noqa: F401  (the fixture)

assert desk  # the fixture, imported for its name


def _audit(qtbot, desk):
    return run_on_loop(qtbot, desk.services.store.run(Store.audit_records))


def _decide_two(qtbot, desk, sim) -> None:
    ready(qtbot, desk, sim, ["ready-e1", "ready-e2", "ready-e3"])
    type_keys(qtbot, "A")
    wait_image(qtbot, desk, "ready-e2")
    type_keys(qtbot, "+")  # zoom in: what was shown is recorded
    type_keys(qtbot, "D, B")
    qtbot.waitUntil(
        lambda: latest_by_scan(sim) == {"ready-e1": "approved", "ready-e2": "denied_bin_mismatch"},
        timeout=WAIT,
    )


def test_export_from_the_file_menu_writes_every_decision_with_its_audit_fields(
    qtbot, desk, sim, tmp_path
) -> None:
    _decide_two(qtbot, desk, sim)
    rec = desk.controller.record
    desk.window.export_action.trigger()
    dialog = rec.export_dialog
    assert dialog is not None and dialog.isVisible()
    out = tmp_path / "team-export.csv"
    dialog.selectFile(str(out))
    dialog.accept()
    qtbot.waitUntil(out.exists, timeout=WAIT)
    qtbot.waitUntil(
        lambda: "Exported 2 decision(s)" in desk.window.statusBar().currentMessage(), timeout=WAIT
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["item"], r["shortcode"], r["reviewer"]) for r in rows] == [
        ("ready-e1", "approved", "kim"),
        ("ready-e2", "denied_bin_mismatch", "kim"),
    ]
    assert rows[0]["image_shown"] == "yes" and rows[0]["zoom"] == "fit" and rows[0]["crop"] == "normal"
    assert rows[1]["zoom"] not in ("fit", "")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 2, timeout=WAIT)
    qtbot.waitUntil(lambda: desk.services.worker.status.queued == 0, timeout=WAIT)
    assert [r["answer"] for r in _rows_now(desk, qtbot, tmp_path)] == ["delivered", "delivered"]
    actions = [r.action for r in _audit(qtbot, desk)]
    assert actions[0] == "sign-in" and "export" in actions and actions.count("decision") == 2
    assert run_on_loop(qtbot, desk.services.store.run(Store.verify_audit)).ok


def _rows_now(desk, qtbot, tmp_path: Path) -> list[dict[str, str]]:
    """The export again (the answers come in as the worker delivers)."""
    path = tmp_path / "again.csv"
    run_on_loop(qtbot, desk.controller.record.export_to(path))
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_statistics_open_from_their_key_with_the_numbers_of_the_command_line(qtbot, desk, sim) -> None:
    _decide_two(qtbot, desk, sim)
    type_keys(qtbot, "Ctrl+Shift+S")
    dialog = desk.controller.record.stats_dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.totals["decided"].text() == "2", timeout=WAIT)
    assert [label for label, _, _ in dialog.codes_chart.rows()] == ["approved", "denied_bin_mismatch"]
    assert [text for _, _, text in dialog.codes_chart.rows()] == ["50.0 % (1)", "50.0 % (1)"]
    assert len(dialog.days_chart.rows()) == 1 and dialog.days_chart.rows()[0][1] == 2
    assert dialog.totals["undo"].text() == "0.0 %"
    assert dialog.table.rowCount() == 2  # one day, one source
    assert not dialog.grab().isNull()


def test_a_share_of_a_team_file_is_imported_and_recorded(qtbot, desk, sim, tmp_path) -> None:
    sign_in(qtbot, desk, sim.mint_token("kim"))
    ids = [f"ready-t{i}" for i in range(40)]
    team = tmp_path / "team.csv"
    team.write_text("scanId\n" + "\n".join(ids) + "\n")
    rec = desk.controller.record
    share = rec.choose_share()
    share.n.setValue(3)
    share.k.setValue(2)
    share.accept()
    files = desk.window.scan_list._file_dialog
    qtbot.waitUntil(lambda: files is not None and files.isVisible())
    files.selectFile(str(team))
    files.accept()
    mine = {i for i in ids if share_of(i, 3) == 2}
    qtbot.waitUntil(lambda: all(desk.window.scan_list.model.get(i) for i in mine), timeout=WAIT)
    assert not any(desk.window.scan_list.model.get(i) for i in set(ids) - mine)
    # (the rows show chunk by chunk; the import's summary comes once it has ended)
    qtbot.waitUntil(lambda: "(share 2/3)" in desk.window.statusBar().currentMessage(), timeout=WAIT)
    (imported,) = [r for r in _audit(qtbot, desk) if r.action == "import"]
    assert imported.detail["share"] == "2/3" and imported.detail["scans"] == len(mine)
    assert imported.detail["file"] == "team.csv" and imported.reviewer == "kim"


def test_sign_in_and_out_are_recorded_and_no_secret_reaches_the_database(qtbot, desk, sim, tmp_path) -> None:
    _decide_two(qtbot, desk, sim)
    secrets = [desk.services.session.token.token, sim.config.admin_key]  # the token kim used
    desk.controller.prompt_sign_in()
    sign_in(qtbot, desk, sim.mint_token("lee"))
    secrets.append(desk.services.session.token.token)
    dialog = desk.controller.prompt_sign_in()  # an admin, deciding as omar
    dialog.as_admin.setChecked(True)
    qtbot.keyClicks(dialog.admin_key, sim.config.admin_key)
    dialog.reviewer_name.clear()
    qtbot.keyClicks(dialog.reviewer_name, "omar")
    qtbot.mouseClick(dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: desk.controller._sign_in is None, timeout=WAIT)
    secrets.append(desk.services.session.token.token)  # the token the admin key minted
    wait_image(qtbot, desk, "ready-e3")
    type_keys(qtbot, "A")
    qtbot.waitUntil(lambda: len(sim.feedback()) == 3, timeout=WAIT)
    run_on_loop(qtbot, desk.controller.settle())
    run_on_loop(qtbot, asyncio.gather(*desk.services._audits))
    sessions = [(r.action, r.reviewer, r.detail["mode"]) for r in _audit(qtbot, desk) if "sign" in r.action]
    assert sessions == [
        ("sign-in", "kim", "reviewer"),
        ("sign-out", "kim", "reviewer"),
        ("sign-in", "lee", "reviewer"),
        ("sign-out", "lee", "reviewer"),
        ("sign-in", "admin", "admin"),
    ]
    (last,) = [r for r in _audit(qtbot, desk) if r.item == "ready-e3" and r.action == "decision"]
    assert (last.reviewer, last.detail["reviewer"], last.detail["server"]) == ("admin", "omar", sim.base_url)
    run_on_loop(qtbot, desk.services.store.run(lambda s: s._db.execute("PRAGMA wal_checkpoint(FULL)")))
    stored = database_bytes(desk.services.paths.database.parent)
    assert len(set(secrets)) == 4
    for secret in secrets:
        assert secret.encode() not in stored
        assert secret.split(".")[-1].encode() not in stored  # nor a token's signature
    assert b"X-Amz-" not in stored and b"blackout-images" not in stored and b"\xff\xd8\xff" not in stored
