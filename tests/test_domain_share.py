"""The queue split (domain/share.py): N reviewers with shares 1/N … N/N cover every scan once,
the same in every process."""

from __future__ import annotations

import subprocess
import sys

import pytest

from reviewdesk.domain.importer import parse_pasted
from reviewdesk.domain.share import BadShare, parse_share, share_of, take_share

IDS = [f"scan-{i:05d}" for i in range(10_000)]


def test_ten_thousand_ids_in_three_shares_no_overlap_no_gap() -> None:
    result = parse_pasted("\n".join(IDS))
    assert len(result.scans) == 10_000
    shares = [{s.scan_id for s in take_share(result, k, 3).scans} for k in (1, 2, 3)]
    assert shares[0].isdisjoint(shares[1]) and shares[0].isdisjoint(shares[2])
    assert shares[1].isdisjoint(shares[2])
    assert shares[0] | shares[1] | shares[2] == set(IDS)
    assert all(3000 < len(s) < 3700 for s in shares), [len(s) for s in shares]  # roughly even


def test_the_share_is_the_same_in_another_process() -> None:
    """Not Python's hash() (salted per process): a fresh interpreter with another hash seed agrees."""
    code = (
        "from reviewdesk.domain.share import share_of\n"
        "print(''.join(str(share_of(f'scan-{i:05d}', 3)) for i in range(10000)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
    ).stdout.strip()
    assert out == "".join(str(share_of(i, 3)) for i in IDS)
    # known values (SHA-256 mod 3, plus one): a change of the hash would move everyone's shares
    assert [share_of(i, 3) for i in ("a", "b", "scan-1", "scan-00000")] == [2, 3, 3, 1]


@pytest.mark.parametrize(("text", "expected"), [("2/3", (2, 3)), ("1 of 4", (1, 4)), (" 3/3 ", (3, 3))])
def test_parse_share(text: str, expected: tuple[int, int]) -> None:
    assert parse_share(text) == expected


@pytest.mark.parametrize("text", ["0/3", "4/3", "3", "a/b", "1/0", "-1/3", "1/1001", ""])
def test_a_bad_share_is_named(text: str) -> None:
    with pytest.raises(BadShare, match="share"):
        parse_share(text)
