"""Statistics from the audit trail (store/stats.py) on a known sequence of decisions with known
times: exact numbers, and `reviewdesk stats` printing the same."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewdesk.domain.route import Route, reviewer_identity
from reviewdesk.store import Store
from reviewdesk.store.stats import compute, format_stats
from support.process import run_cli as run

ROUTE = Route("https://api.example.com", reviewer_identity("ana"))
DAY1 = 1_795_910_400.0  # 2026-11-29 00:00 UTC
DAY2 = DAY1 + 86_400

# (when, item, shortcode, seconds on the item)
SEQUENCE = [
    (DAY1 + 10, "a", "approved", 10.0),
    (DAY1 + 20, "b", "approved", 20.0),
    (DAY1 + 30, "c", "denied_fake_card", 30.0),
    (DAY1 + 40, "d", "approved", 40.0),
    (DAY1 + 50, "e", "no_action_no_image_available", 50.0),
    (DAY2 + 10, "jumio:f", "approved", 60.0),
    (DAY2 + 20, "jumio:g", "denied_other", 70.0),
    (DAY2 + 30, "h", "approved", 80.0),
    (DAY2 + 40, "i", "approved", 90.0),
    (DAY2 + 50, "j", "denied_fake_card", 100.0),
]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "reviewdesk.sqlite3"
    with Store(path) as s:
        ids = {}
        for when, item, code, seconds in SEQUENCE:
            ids[item] = s.record_decision(item, code, {"secondsOnScan": seconds}, route=ROUTE, now=when).id
        s.undo_decision(ids["j"], now=DAY2 + 55)  # one undo, on day 2
        s.record_decision("j", "approved", {"secondsOnScan": 5.0}, route=ROUTE, now=DAY2 + 60)
    return path


def test_statistics_of_a_known_sequence(db: Path) -> None:
    with Store(db) as s:
        records = s.audit_records()
    stats = compute(records)
    total = stats.total
    assert (total.decisions, total.undos) == (11, 1)
    assert total.undo_rate == pytest.approx(1 / 11)
    # seconds: 10 20 30 40 50 60 70 80 90 100 5 -> sorted 5 10 … 100; median 50; p90 rank ceil(9.9)=10 -> 90
    assert total.median_seconds == 50.0
    assert total.p90_seconds == 90.0
    assert sum(total.seconds) == 555.0
    assert total.per_hour == pytest.approx(11 / (555 / 3600))  # 71.35…
    assert total.shares() == {
        "approved": 7 / 11,
        "denied_fake_card": 2 / 11,
        "denied_other": 1 / 11,
        "no_action_no_image_available": 1 / 11,
    }
    day1 = stats.by_day["2026-11-29"]
    assert (day1.decisions, day1.undos, day1.median_seconds, day1.p90_seconds) == (5, 0, 30.0, 50.0)
    assert day1.per_hour == pytest.approx(5 / (150 / 3600))  # 120 an hour
    day2 = stats.by_day["2026-11-30"]
    assert (day2.decisions, day2.median_seconds, day2.p90_seconds) == (6, 75.0, 100.0)
    jumio = stats.by_source["jumio"]
    assert (jumio.decisions, jumio.median_seconds, jumio.codes) == (
        2,
        65.0,
        {"approved": 1, "denied_other": 1},
    )
    assert stats.by_source["dyneti"].decisions == 9 and stats.by_source["dyneti"].undos == 1
    assert list(stats.by_day) == ["2026-11-29", "2026-11-30"] and stats.by_day["2026-11-30"].undos == 1


def test_no_decisions_give_no_numbers() -> None:
    stats = compute([])
    assert stats.total.decisions == 0
    assert (stats.total.median_seconds, stats.total.p90_seconds, stats.total.per_hour) == (None, None, None)
    assert stats.total.undo_rate is None and stats.total.shares() == {}


def test_the_command_line_prints_the_same_numbers(db: Path) -> None:
    env = {"REVIEWDESK_DATA_DIR": str(db.parent)}
    result = run("stats", env=env)
    assert result.returncode == 0, result.stderr
    with Store(db) as s:
        expected = format_stats(compute(s.audit_records()))
    assert result.stdout.splitlines() == expected
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["all", "11", "71.4", "50.0s", "90.0s", "9.1%"]
    assert "2026-11-29        5    120.0    30.0s    50.0s    0.0%" in lines
    assert any(line.split() == ["approved", "7", "63.6%"] for line in lines)
    since = run("stats", "--since", "2026-11-30", env=env)
    assert since.stdout.splitlines()[1].split()[:2] == ["all", "6"]
    assert "2026-11-29" not in since.stdout
