"""`reviewdesk export` (store/export.py): every decision with its audit fields; a CSV that a
spreadsheet cannot run, read back with the csv module; JSON; filters; owner-only; an audit record."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest

from reviewdesk.domain.route import Route, reviewer_identity
from reviewdesk.store import Store
from reviewdesk.store.export import neutralise
from support.process import run_cli as run

ROUTE = Route("https://api.example.com", reviewer_identity("ana"))
HOSTILE_NOTES = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\tstarts with a tab",
    "\rstarts with a CR",
    'plain note, with a comma and "quotes"',
]
# 2026-11-29 00:00 UTC, and a day later
DAY1 = 1_795_910_400.0
DAY2 = DAY1 + 86_400


@pytest.fixture
def data(tmp_path: Path) -> tuple[dict[str, str], Path]:
    folder = tmp_path / "data"
    with Store(folder / "reviewdesk.sqlite3") as s:
        for i, note in enumerate(HOSTILE_NOTES):
            info = {"reviewer": "ana", "secondsOnScan": 3.0 + i, "cardFacts": {"bin": "411111"}}
            s.record_decision(
                f"s{i}",
                "approved",
                info,
                note=note,
                route=ROUTE,
                now=DAY1 + i,
                shown={"image": True, "zoom": "fit", "crop": "normal"},
            )
        hostile_id = "=cmd|'/C calc'!A0"
        e = s.record_decision(hostile_id, "denied_other", {}, note="id", route=ROUTE, now=DAY1 + 50)
        s.mark_delivered(e.id)
        j = s.record_decision("jumio:ref-1", "approved", {"secondsOnScan": 9}, route=ROUTE, now=DAY2)
        s.undo_decision(j.id)
    return {"REVIEWDESK_DATA_DIR": str(folder)}, folder


def test_csv_export_neutralises_hostile_cells(data, tmp_path: Path) -> None:
    env, _ = data
    out = tmp_path / "decisions.csv"
    result = run("export", "--format", "csv", "-o", str(out), env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"exported 9 decision(s) to {out}"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 9
    for row in rows:
        for column, cell in row.items():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    notes = [r["note"] for r in rows[: len(HOSTILE_NOTES)]]
    assert notes == [neutralise(n) for n in HOSTILE_NOTES]
    assert notes[0] == '\'=HYPERLINK("http://evil.example","click")' and notes[4] == "'\tstarts with a tab"
    assert notes[6] == HOSTILE_NOTES[6]  # harmless text is left as it is
    hostile = rows[7]
    assert hostile["item"] == "'=cmd|'/C calc'!A0" and hostile["answer"] == "delivered"
    first = rows[0]
    assert (first["reviewer"], first["source"], first["shortcode"]) == ("ana", "dyneti", "approved")
    assert (first["seconds"], first["image_shown"], first["zoom"]) == ("3.0", "yes", "fit")
    assert json.loads(first["facts"]) == {"bin": "411111"} and first["at"] == "2026-11-29T00:00:00.000Z"
    assert first["answer"] == "" and first["undone"] == "no" and len(first["hash"]) == 64
    jumio = rows[8]
    assert (jumio["source"], jumio["item"], jumio["undone"]) == ("jumio", "ref-1", "yes")


def test_json_export_keeps_values_as_they_are_and_filters(data, tmp_path: Path) -> None:
    env, _ = data
    out = tmp_path / "d.json"
    assert run("export", "--format", "json", "--source", "dyneti", "-o", str(out), env=env).returncode == 0
    rows = json.loads(out.read_text())
    assert [r["note"] for r in rows[:7]] == HOSTILE_NOTES and len(rows) == 8
    assert rows[7]["item"] == "=cmd|'/C calc'!A0"
    later = tmp_path / "later.json"
    assert (
        run("export", "--format", "json", "--since", "2026-11-30", "-o", str(later), env=env).returncode == 0
    )
    assert [r["item"] for r in json.loads(later.read_text())] == ["ref-1"]
    before = tmp_path / "before.json"
    assert (
        run("export", "--format", "json", "--until", "2026-11-29", "-o", str(before), env=env).returncode == 0
    )
    assert len(json.loads(before.read_text())) == 8  # the whole day of --until
    early = tmp_path / "early.json"
    assert (
        run(
            "export", "--format", "json", "--until", "2026-11-29T00:00:03Z", "-o", str(early), env=env
        ).returncode
        == 0
    )
    assert [r["item"] for r in json.loads(early.read_text())] == ["s0", "s1", "s2"]  # a time: before it


def test_the_export_is_an_audit_record_and_bad_input_is_named(data, tmp_path: Path) -> None:
    env, folder = data
    out = tmp_path / "x.csv"
    assert run("export", "--source", "jumio", "-o", str(out), env=env).returncode == 0
    with Store(folder / "reviewdesk.sqlite3") as s:
        last = s.audit_records()[-1]
        assert s.verify_audit().ok
    assert last.action == "export"
    assert last.detail == {
        "file": "x.csv",
        "format": "csv",
        "decisions": 1,
        "since": "",
        "until": "",
        "source": "jumio",
    }
    bad = run("export", "--since", "yesterday", "-o", str(out), env=env)
    assert bad.returncode == 2 and "--since: 'yesterday' is not a date" in bad.stderr
    nowhere = run("export", "-o", str(tmp_path / "no" / "x.csv"), env=env)
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr


def test_a_local_decision_is_exported_with_its_source_and_answered_by_nobody(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    with Store(folder / "reviewdesk.sqlite3") as s:
        s.record_decision("jumio:ref-2", "reject_fraud", {"reviewer": "ana"}, now=DAY1, local=True)
    env = {"REVIEWDESK_DATA_DIR": str(folder)}
    out = tmp_path / "local.csv"
    result = run("export", "--format", "csv", "--source", "jumio", "-o", str(out), env=env)
    assert result.returncode == 0, result.stderr
    with out.open(newline="", encoding="utf-8") as f:
        (row,) = list(csv.DictReader(f))
    assert (row["source"], row["item"], row["shortcode"], row["answer"]) == (
        "jumio",
        "ref-2",
        "reject_fraud",
        "local",
    )
