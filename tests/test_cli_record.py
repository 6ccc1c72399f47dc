"""`reviewdesk queue-import FILE [--share K/N]` (cli/record.py): how many scans it queued, the same
per-line report as the window, a share of the file, and its audit record."""

from __future__ import annotations

from pathlib import Path

from reviewdesk.domain.share import share_of
from reviewdesk.store import Store
from support.process import run_cli as run

ALL = {f"q-{i}" for i in range(30)} | {"q-x"}


def _csv(tmp_path: Path, n: int = 30) -> Path:
    lines = ["scanId,bin,last4"] + [f"q-{i},411111,{i:04d}" for i in range(n)]
    lines.insert(5, "bad id\x01,411111,1234")  # line 6: a control character
    lines.insert(9, "q-x,41,1234")  # line 10: a BIN that is not six to eight digits
    path = tmp_path / "team.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_queue_import_queues_the_whole_file_with_a_per_line_report(tmp_path: Path) -> None:
    env = {"REVIEWDESK_DATA_DIR": str(tmp_path / "data")}
    result = run("queue-import", str(_csv(tmp_path)), env=env)
    assert result.returncode == 0, result.stderr
    # line 6 is skipped; line 10 is queued without its BIN
    assert (
        result.stdout.strip()
        == "queued 31 scan(s): 31 new, 0 already queued; 2 line(s) with a problem, listed above"
    )
    report = result.stderr.splitlines()
    assert report[0].startswith("team.csv: line 6: ") and report[1].startswith("team.csv: line 10: ")
    again = run("queue-import", str(_csv(tmp_path)), env=env)
    assert "queued 31 scan(s): 0 new, 31 already queued" in again.stdout
    with Store(tmp_path / "data" / "reviewdesk.sqlite3") as s:
        assert len(s.scans()) == 31
        assert s.get_scan("q-x").facts == {"last4": "1234"}
        record = s.audit_records()[0]
    assert record.action == "import"
    assert record.detail == {
        "file": "team.csv",
        "scans": 31,
        "added": 31,
        "merged": 0,
        "share": "",
        "badRows": 2,
    }


def test_three_reviewers_take_three_shares(tmp_path: Path) -> None:
    path = _csv(tmp_path)
    taken: list[set[str]] = []
    for k in (1, 2, 3):
        data = tmp_path / f"reviewer-{k}"
        result = run("queue-import", str(path), "--share", f"{k}/3", env={"REVIEWDESK_DATA_DIR": str(data)})
        assert result.returncode == 0, result.stderr
        with Store(data / "reviewdesk.sqlite3") as s:
            ids = {scan.scan_id for scan in s.scans()}
            assert s.audit_records()[0].detail["share"] == f"{k}/3"
        assert ids == {i for i in ALL if share_of(i, 3) == k}
        assert result.stdout.startswith(f"queued {len(ids)} scan(s) (share {k}/3 of 31 scans in the file)")
        taken.append(ids)
    assert sum(len(t) for t in taken) == 31 and set().union(*taken) == ALL


def test_bad_share_or_file_is_refused_and_nothing_queued(tmp_path: Path) -> None:
    env = {"REVIEWDESK_DATA_DIR": str(tmp_path / "data")}
    bad = run("queue-import", str(_csv(tmp_path)), "--share", "4/3", env=env)
    assert bad.returncode == 2 and "--share:" in bad.stderr and "1 <= K <= N" in bad.stderr
    odd = tmp_path / "x.xlsx"
    odd.write_text("x")
    refused = run("queue-import", str(odd), env=env)
    assert refused.returncode == 2 and "only .csv, .json and .txt files" in refused.stderr
    assert not (tmp_path / "data" / "reviewdesk.sqlite3").exists()


def test_dates_compare_as_the_logs_utc_times() -> None:
    import pytest

    from reviewdesk.cli.common import CliError
    from reviewdesk.cli.record import parse_date

    assert parse_date("2026-11-29", "--since") == "2026-11-29"
    assert parse_date("2026-11-29T10:30", "--since") == "2026-11-29T10:30:00.000"
    assert parse_date("2026-11-29T12:30+02:00", "--since") == "2026-11-29T10:30:00.000"
    assert parse_date("2026-11-29T10:30:00Z", "--until") == "2026-11-29T10:30:00.000"
    assert parse_date(None, "--since") is None
    with pytest.raises(CliError, match="--until: '29/11/2026' is not a date"):
        parse_date("29/11/2026", "--until")
