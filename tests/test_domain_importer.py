"""The queue importer: pasted ids, CSV and JSON, bad rows by line, duplicates, files."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewdesk.domain import importer
from reviewdesk.domain.importer import (
    ImportFailed,
    ImportProblem,
    ImportResult,
    parse_csv,
    parse_file,
    parse_file_parts,
    parse_json,
    parse_pasted,
)
from reviewdesk.domain.scan import Scan, ScanState, merge_facts
from reviewdesk.domain.scan_id import validate_scan_id

DATA = Path(__file__).parent / "data"


def ids(result: ImportResult) -> list[str]:
    return [s.scan_id for s in result.scans]


def lines(result: ImportResult) -> list[int]:
    return [p.line for p in result.problems]


# -- CSV ----------------------------------------------------------------------------------------------


def test_csv_bad_rows_are_reported_by_exact_line_and_good_rows_import() -> None:
    result = parse_file(DATA / "queue_with_problems.csv")

    assert ids(result) == ["scn_0001", "scn_0002", "scn_0003", "scn_0004", "scn_0005"]
    assert result.problems == [
        ImportProblem(3, "the BIN is not 6 to 8 digits (5 characters); it was left out"),
        ImportProblem(4, "the scan id is empty"),
        ImportProblem(6, "the last 4 is not 4 digits (4 characters); it was left out"),
        ImportProblem(6, "the expiry is not MM/YY or MM/YYYY (5 characters); it was left out"),
        ImportProblem(10, "the scan id is 129 characters long; at most 128 are allowed"),
    ]
    assert result.bad_rows == 4
    assert result.duplicates == 1  # line 8 repeats scn_0001
    assert result.source.endswith("queue_with_problems.csv")
    by_id = {s.scan_id: s for s in result.scans}
    # A bad fact is dropped, the rest of its row kept.
    assert by_id["scn_0002"].facts == {"last4": "1234", "expiry": "03/27"}
    assert by_id["scn_0003"].facts == {
        "bin": "411111",
        "cardholder": "Bob",
        "amount": "2.00",
        "merchantRef": "ORD-4",
        "currency": "GBP",
    }
    # The duplicate filled in a newer cardholder and blanked nothing.
    assert by_id["scn_0001"].facts == {
        "bin": "411111",
        "last4": "1234",
        "expiry": "03/27",
        "cardholder": "Jane Q Public",
        "amount": "12.50",
        "merchantRef": "ORD-1",
        "currency": "USD",
    }
    # Quoted fields, a BIN written with a space, and extra cells past the header are fine.
    assert by_id["scn_0004"].facts["cardholder"] == "Smith, Anna"
    assert by_id["scn_0004"].facts["bin"] == "54545454"
    assert by_id["scn_0005"].facts["last4"] == "0005"
    assert all(s.state is ScanState.TO_REVIEW for s in result.scans)


def test_problem_messages_never_echo_card_values() -> None:
    result = parse_csv("scanId,bin,last4\nscn_1,4111111111111111,98765\n")
    assert ids(result) == ["scn_1"] and result.scans[0].facts == {}
    text = " ".join(p.message for p in result.problems)
    assert "4111111111111111" not in text and "98765" not in text
    assert "16 characters" in text


@pytest.mark.parametrize("id_header", ["scanId", "scan_id", "scanid", "SCANID", "Scan ID", " scanId "])
def test_csv_scan_id_header_spellings(id_header: str) -> None:
    result = parse_csv(f"{id_header},other\nabc,x\n")
    assert ids(result) == ["abc"] and result.problems == []


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("card_bin", "bin"),
        ("bin", "bin"),
        ("BIN", "bin"),
        ("last4", "last4"),
        ("last_four", "last4"),
        ("Last 4", "last4"),
        ("expiry", "expiry"),
        ("exp", "expiry"),
        ("expiration", "expiry"),
        ("cardholder", "cardholder"),
        ("name", "cardholder"),
        ("cardholder_name", "cardholder"),
        ("amount", "amount"),
        ("merchantRef", "merchantRef"),
        ("merchant_ref", "merchantRef"),
        ("merchant_reference", "merchantRef"),
        ("currency", "currency"),
    ],
)
def test_csv_fact_column_aliases(header: str, key: str) -> None:
    value = {"bin": "411111", "last4": "1234", "expiry": "03/27"}.get(key, "some value")
    result = parse_csv(f"scanId,{header},unknown column\nabc,{value},ignored\n")
    assert result.scans == [Scan("abc", {key: value})]
    assert result.problems == []


def test_csv_with_semicolons_bom_and_decimal_commas() -> None:
    result = parse_file(DATA / "semicolons_bom.csv")
    assert result.problems == []
    assert result.scans == [
        Scan(
            "scn_a",
            {
                "bin": "411111",
                "last4": "4242",
                "expiry": "01/28",
                "cardholder": "Zoë Ångström",
                "amount": "1.234,56",
                "merchantRef": "M-1",
                "currency": "EUR",
            },
        ),
        Scan(
            "scn_b",
            {
                "bin": "545454",
                "last4": "0007",
                "expiry": "11/2029",
                "cardholder": "Müller; Jörg",
                "amount": "0,99",
                "merchantRef": "M-2",
                "currency": "EUR",
            },
        ),
    ]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_csv_delimiters(delimiter: str) -> None:
    text = delimiter.join(["scanId", "bin", "name"]) + "\n" + delimiter.join(["s1", "411111", "Ann"]) + "\n"
    assert parse_csv(text).scans == [Scan("s1", {"bin": "411111", "cardholder": "Ann"})]


def test_csv_text_with_bom_blank_lines_and_short_rows() -> None:
    text = "\ufeff\n\nscanId,bin,name\r\n\r\ns1\r\ns2,411111\r\n  s3  , 545454 , Bo \r\n"
    result = parse_csv(text)
    assert result.scans == [
        Scan("s1"),
        Scan("s2", {"bin": "411111"}),
        Scan("s3", {"bin": "545454", "cardholder": "Bo"}),
    ]
    assert result.problems == []


def test_csv_without_a_scan_id_column_fails_clearly() -> None:
    with pytest.raises(ImportFailed, match=r"scanId column \(found: id, bin\)"):
        parse_csv("id,bin\nabc,411111\n")


def test_csv_header_only_or_empty() -> None:
    assert parse_csv("scanId\n").scans == []
    assert parse_csv("").scans == []
    assert parse_csv("\n\n").summary().startswith("No scan ids found")


def test_csv_unclosed_quote_is_reported_not_swallowed_silently() -> None:
    text = 'scanId,name\ns1,ok\ns2,"broken\ns3,fine\ns4,fine\n'
    result = parse_csv(text)
    assert ids(result) == ["s1"]
    assert lines(result) == [3]
    assert "closing quote" in result.problems[0].message


def test_csv_quoted_line_break_keeps_later_line_numbers_right() -> None:
    text = 'scanId,name\ns1,"two\nlines"\n,x\ns2,ok\n'
    result = parse_csv(text)
    assert ids(result) == ["s2"]
    assert result.problems[0].line == 2 and "runs on to line 3" in result.problems[0].message
    assert result.problems[1] == ImportProblem(4, "the scan id is empty")


def test_csv_one_column_file_is_not_split_on_delimiters_inside_ids() -> None:
    result = parse_csv("scanId\na;b\nc,d\n")
    assert ids(result) == ["a;b", "c,d"]


def test_latin1_file_falls_back_from_utf8(tmp_path: Path) -> None:
    result = parse_file(DATA / "latin1.csv")
    assert result.scans == [Scan("scn_l", {"cardholder": "José Núñez"})]


def test_utf16_file_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("scanId\tname\r\nu1\tÅsa\r\n".encode("utf-16"))
    assert parse_file(path).scans == [Scan("u1", {"cardholder": "Åsa"})]


def test_csv_100k_rows_parse_correctly() -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["scanId", "card_bin", "last4", "expiry", "cardholder", "amount", "merchant_ref", "currency"]
    )
    for i in range(100_000):
        writer.writerow(
            [f"scn_{i:06d}", "411111", f"{i % 10000:04d}", "03/27", "Jane Q", "12.50", f"M-{i}", "USD"]
        )
    writer.writerow(["scn_000007", "", "", "", "", "", "", "EUR"])  # a duplicate at the very end
    writer.writerow(["", "411111", "", "", "", "", "", ""])  # line 100,003: no id

    result = parse_csv(buffer.getvalue())

    assert len(result.scans) == 100_000
    assert result.scans[0].scan_id == "scn_000000" and result.scans[-1].scan_id == "scn_099999"
    assert result.scans[12_345].facts == {
        "bin": "411111",
        "last4": "2345",
        "expiry": "03/27",
        "cardholder": "Jane Q",
        "amount": "12.50",
        "merchantRef": "M-12345",
        "currency": "USD",
    }
    assert result.scans[7].facts["currency"] == "EUR"
    assert result.duplicates == 1
    assert result.problems == [ImportProblem(100_003, "the scan id is empty")]


# Valid scan ids as validate_scan_id defines them (no control characters, no surrounding blanks).
valid_ids = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cf", "Cs", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda s: s.strip() == s)


@settings(max_examples=200, deadline=None)
@given(st.lists(valid_ids, max_size=30))
def test_property_ids_written_as_csv_parse_back_in_order(scan_ids: list[str]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["scanId"])
    writer.writerows([i] for i in scan_ids)
    result = parse_csv(buffer.getvalue())
    assert ids(result) == list(dict.fromkeys(scan_ids))
    assert result.problems == []
    assert result.duplicates == len(scan_ids) - len(set(scan_ids))


@settings(max_examples=200, deadline=None)
@given(st.lists(valid_ids, max_size=30, unique=True), st.sampled_from([",", ";", "\t", "|"]))
def test_property_ids_with_a_second_column_and_any_delimiter(scan_ids: list[str], delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["scan_id", "amount"])
    writer.writerows([i, str(n)] for n, i in enumerate(scan_ids))
    result = parse_csv(buffer.getvalue())
    assert ids(result) == scan_ids
    assert [s.facts["amount"] for s in result.scans] == [str(n) for n in range(len(scan_ids))]


def test_every_imported_id_is_valid() -> None:
    result = parse_pasted("ok\u00a0id  '\u00a0nbsp'  \"\x07bell\"  fine")
    for scan in result.scans:
        validate_scan_id(scan.scan_id)
    assert ids(result) == ["ok\u00a0id", "fine"]
    assert [p.message for p in result.problems] == [
        "the scan id has leading or trailing spaces",
        "the scan id contains a control character (U+0007)",
    ]


# -- JSON ---------------------------------------------------------------------------------------------


def test_json_file_with_scans_object_bad_items_and_line_numbers() -> None:
    result = parse_file(DATA / "queue.json")
    assert ids(result) == ["scn_j1", "scn_j2", "scn_j3", "scn_j4"]
    assert result.scans[0].facts == {
        "bin": "411111",
        "last4": "1234",
        "expiry": "03/27",
        "cardholder": "Jane Q",  # the duplicate (item 8) filled it in
        "amount": "12.5",
        "merchantRef": "R1",
        "currency": "USD",
    }
    assert result.scans[1].facts == {"bin": "545454", "last4": "0002"}  # nested cardFacts, aliases
    assert result.duplicates == 1
    assert result.problems == [
        ImportProblem(21, "item 3: the scan id is empty"),
        ImportProblem(24, "item 4: the object has no scanId"),
        ImportProblem(28, "item 6: expiry is a list, not text or a number; it was left out"),
        ImportProblem(28, "item 6: the last 4 is not 4 digits (2 characters); it was left out"),
        ImportProblem(36, "item 7: expected a scan id or an object with a scanId, not null"),
    ]


def test_json_list_of_strings_and_numbers() -> None:
    result = parse_json('["a", " b ", 12345, "a", true]')
    assert ids(result) == ["a", "b", "12345"]
    assert result.duplicates == 1
    assert result.problems == [
        ImportProblem(1, "item 5: expected a scan id or an object with a scanId, not true/false")
    ]


def test_json_list_of_objects_on_one_line() -> None:
    result = parse_json(
        '[{"scanId": "a", "bin": 411111}, {"ScanId": "b", "last_four": "0042"}, {"scanId": 5.5}]'
    )
    assert result.scans == [Scan("a", {"bin": "411111"}), Scan("b", {"last4": "0042"})]
    assert result.problems == [ImportProblem(1, "item 3: a scan id must be text")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[{"scanId": "a"},\n {"scanId": }]', r"not valid JSON: Expecting value \(line 2, column 13\)"),
        ('{"items": []}', r'expected a list of scans, or an object \{"scans": \[...\]\}'),
        ('"just a string"', "expected a list of scans"),
    ],
)
def test_json_that_cannot_be_used_fails_clearly(text: str, message: str) -> None:
    with pytest.raises(ImportFailed, match=message):
        parse_json(text)


# -- pasted text --------------------------------------------------------------------------------------


def test_pasted_ids_with_mixed_separators() -> None:
    result = parse_pasted("a1, a2\ta3  a4\n\n a5,,\r\n'a6'\r\"a7\"\na1\n")
    assert ids(result) == ["a1", "a2", "a3", "a4", "a5", "a6", "a7"]
    assert result.duplicates == 1
    assert result.source == "pasted text"


def test_pasted_bad_ids_are_reported_by_line() -> None:
    too_long = "z" * 200
    result = parse_pasted(f"ok1\nok2 {too_long}\n\nbad\x00id ok3")
    assert ids(result) == ["ok1", "ok2", "ok3"]
    assert lines(result) == [2, 4]


def test_pasted_csv_is_recognised_by_its_header() -> None:
    result = parse_pasted("Scan ID\tBIN\tName\ns1\t411111\tAnn\ns2\t545454\tBo\n")  # from a spreadsheet
    assert result.scans == [
        Scan("s1", {"bin": "411111", "cardholder": "Ann"}),
        Scan("s2", {"bin": "545454", "cardholder": "Bo"}),
    ]


def test_pasted_json_is_recognised() -> None:
    assert ids(parse_pasted('  ["x1", "x2"]')) == ["x1", "x2"]
    assert ids(parse_pasted(json.dumps({"scans": [{"scanId": "x3"}]}))) == ["x3"]
    with pytest.raises(ImportFailed, match="not valid JSON"):
        parse_pasted("[x1, x2]")


# -- files --------------------------------------------------------------------------------------------


def test_txt_file_is_read_like_pasted_text(tmp_path: Path) -> None:
    path = tmp_path / "ids.TXT"
    path.write_text("t1\nt2, t3\n", encoding="utf-8")
    result = parse_file(path)
    assert ids(result) == ["t1", "t2", "t3"] and result.source == str(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "scans.xlsx",
            b"PK\x03\x04",
            r"scans.xlsx: only .csv, .json and .txt files can be imported, not .xlsx files",
        ),
        ("README", b"hello", "not files without an extension"),
        ("binary.csv", b"scanId\n\x00\x01\x02", r"binary.csv is not a text file"),
    ],
)
def test_unusable_files_fail_clearly(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportFailed, match=message):
        parse_file(path)


def test_missing_file_and_folder_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="gone.csv does not exist"):
        parse_file(tmp_path / "gone.csv")
    folder = tmp_path / "folder.json"
    folder.mkdir()
    with pytest.raises(ImportFailed, match="folder.json is a folder"):
        parse_file(folder)


# -- summary ------------------------------------------------------------------------------------------


def test_summary_line() -> None:
    result = ImportResult(
        scans=[Scan(f"s{i}") for i in range(118)],
        problems=[
            ImportProblem(4, "the scan id is empty"),
            ImportProblem(9, "the BIN is not 6 to 8 digits (5 characters); it was left out"),
            ImportProblem(9, "the expiry is not MM/YY or MM/YYYY (4 characters); it was left out"),
            ImportProblem(12, "the scan id is empty"),
        ],
        source="queue.csv",
        duplicates=2,
    )
    assert result.summary() == (
        "Imported 118 scans, 2 duplicates merged, 3 bad rows: line 4: the scan id is empty; "
        "line 9: the BIN is not 6 to 8 digits (5 characters); it was left out; "
        "line 9: the expiry is not MM/YY or MM/YYYY (4 characters); it was left out; …"
    )
    assert ImportResult([Scan("a")], [], "x").summary() == "Imported 1 scan"
    failed = ImportResult.failed("/home/r/scans.pdf", "only .csv, .json and .txt files can be imported")
    assert (
        failed.summary() == "Nothing imported from scans.pdf: only .csv, .json and .txt files can be imported"
    )


# -- a big file is read in slices (docs/PERFORMANCE.md): the same result as read whole ---------------

TRICKY_CSV = {
    "quotes spanning lines": (
        'scanId,name,bin\ns1,"two\nlines",411111\ns2,"a ""quoted"" name",4111 11\ns3,ok,\n'
    ),
    "BOM and CRLF": "\ufeffscan_id,last4\r\ns1,1234\r\ns2,12x4\r\n\r\ns3,4321\r\n",
    "blank lines and rows of empty cells": "scanId,bin\n\ns1,411111\n,,\n\ns2,41\n\n\n",
    "bad rows": 'scanId,expiry\ns 1,01/27\ns2,13/27\ns3,"never closed\ns4,02/28\n',
    "duplicates merged": "scanId,bin,last4\ns1,411111,\ns2,,\ns1,,1234\ns2,555555,9999\n",
    "carriage returns only": "scanId,bin\rs1,411111\rs2,411111\r",
    "ids only": "scanId\ns1\ns2\ns1\n\ns 3\ns4\n",
    "a quote across a piece end": 'scanId,name\r\ns1,"x\r\ny\r\nz"\r\ns2,"\n"\r\ns3,\n',
}


def as_tuple(result: ImportResult) -> tuple[object, ...]:
    return ([(s.scan_id, s.facts) for s in result.scans], result.problems, result.duplicates, result.source)


def parse_with(monkeypatch: pytest.MonkeyPatch, text: str, slice_: int, piece: int) -> tuple[object, ...]:
    with monkeypatch.context() as m:
        m.setattr(importer, "_SLICE", slice_)
        m.setattr(importer, "_PIECE", piece)
        try:
            return as_tuple(parse_csv(text))
        except ImportFailed as exc:
            return ("failed", str(exc))


WHOLE = 10**9  # slices larger than any file: the whole file in one step, as before the slicing


@pytest.mark.parametrize("name", sorted(TRICKY_CSV))
def test_csv_read_in_slices_gives_the_same_rows_report_and_errors_as_read_whole(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    text = TRICKY_CSV[name]
    whole = parse_with(monkeypatch, text, WHOLE, WHOLE)
    assert whole[0] or whole[1], "the file imports something or reports something"
    for slice_ in (1, 2, 3):
        for piece in range(1, len(text) + 2):
            assert parse_with(monkeypatch, text, slice_, piece) == whole, (slice_, piece)


def test_a_file_read_in_slices_gives_what_it_gave_read_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    rows = [f"scan-{i % 700:04d},4111 {i % 97:02d},{i:04d},{1 + i % 14:02d}/27" for i in range(2_000)]
    rows[5] = 'scan-x,"4111\n11",1234,01/27'  # a quoted line break
    rows[900] = "bad id,411111,1234,01/27"
    path = tmp_path / "queue.csv"
    path.write_bytes(("\ufeffscanId,bin,last4,expiry\r\n" + "\r\n".join(rows) + "\r\n").encode())

    def parsed(slice_: int, piece: int) -> tuple[object, ...]:
        with monkeypatch.context() as m:
            m.setattr(importer, "_SLICE", slice_)
            m.setattr(importer, "_PIECE", piece)
            return as_tuple(parse_file(path))

    whole = parsed(WHOLE, WHOLE)
    assert len(whole[0]) == 701 and whole[2] == 1_298 and len(whole[1]) > 100  # type: ignore[arg-type]
    assert parsed(7, 64) == whole
    assert parsed(500, 4_096) == whole


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='ab,"\r\n ', max_size=60), piece=st.integers(1, 20))
def test_property_lines_in_pieces_are_the_lines_of_the_whole(text: str, piece: int) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(importer, "_PIECE", piece)
        assert list(importer._text_lines(text)) == list(io.StringIO(text, newline=""))


@settings(max_examples=200, deadline=None)
@given(body=st.text(alphabet='ab1,"\r\n ', max_size=80), slice_=st.integers(1, 4), piece=st.integers(1, 9))
def test_property_any_csv_parses_the_same_in_slices(body: str, slice_: int, piece: int) -> None:
    text = "scanId,bin,name\n" + body
    with pytest.MonkeyPatch.context() as m:
        whole = parse_with(m, text, WHOLE, WHOLE)
        assert parse_with(m, text, slice_, piece) == whole


def test_release_lets_go_of_every_scan_or_of_the_last_ones() -> None:
    result = parse_csv("scanId\n" + "\n".join(f"s{i}" for i in range(50)))
    assert result.release(20) is False and ids(result) == [f"s{i}" for i in range(30)]
    assert result.release(30) is True and result.scans == []
    result = parse_csv("scanId\n" + "\n".join(f"s{i}" for i in range(50)))
    assert result.release() is True
    assert result.scans == [] and result.summary().startswith("No scan ids")


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='a"\r\n', max_size=40), piece=st.integers(1, 9))
def test_property_counting_in_pieces_counts_as_the_whole(text: str, piece: int) -> None:
    with pytest.MonkeyPatch.context() as m:
        m.setattr(importer, "_PIECE", piece)
        for sub in ("\n", "\r", "\r\n", '"'):
            assert importer._count(text, sub) == text.count(sub), sub


def test_repeated_fact_values_are_one_string_and_unrepeated_ones_are_left_alone() -> None:
    # csv makes a string per cell: a file's many "USD"s are made one object (less memory for a big
    # file, docs/PERFORMANCE.md); values stay equal, and a column of distinct values is not looked up.
    lines = ["scanId,currency,merchantRef,expiry"]
    lines += [
        f"scan-{i:05d},{'USD' if i % 3 else 'EUR'},ord-{i:06d},{1 + i % 12:02d}/29" for i in range(3000)
    ]
    result = importer.parse_csv("\n".join(lines))
    assert len(result.scans) == 3000 and not result.problems
    currencies = [s.facts["currency"] for s in result.scans]
    assert currencies[1] == "USD" and currencies[0] == "EUR"
    assert len({id(c) for c in currencies}) == 2  # one "USD" and one "EUR" for 3,000 rows
    assert len({id(s.facts["expiry"]) for s in result.scans}) == 12
    refs = [s.facts["merchantRef"] for s in result.scans]
    assert refs[7] == "ord-000007" and len(set(refs)) == 3000


def _merged(parts: list[ImportResult]) -> list[Scan]:
    """Parts' scans merged across parts, as the window does (the store merges an id already queued)."""
    merged: dict[str, Scan] = {}
    for part in parts:
        for scan in part.scans:
            known = merged.get(scan.scan_id)
            merged[scan.scan_id] = (
                scan if known is None else Scan(scan.scan_id, merge_facts(known.facts, scan.facts))
            )
    return list(merged.values())


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1"])
def test_a_big_csv_in_parts_gives_what_it_gives_whole(tmp_path, encoding) -> None:
    # Parts are cut from the file's bytes and decoded one by one (docs/PERFORMANCE.md): a BOM, and
    # text that is not UTF-8 (read as Latin-1, as whole), give the same scans and problems.
    lines = ["", "scanId;bin;last4;merchantRef"]  # a blank line before the header; semicolons
    for n in range(1000):
        bin_ = "12" if n % 97 == 0 else f"{400000 + n}"  # a bad BIN: reported by its line
        # 300 ids again, in later parts; a fact that is not ASCII
        lines.append(f"scan-{n % 700:04d};{bin_};{n % 10000:04d};Caf\u00e9 {n}")
        if n % 250 == 0:
            lines.append("")  # blank lines among the rows
    path = tmp_path / "big.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    whole = parse_file(path)
    parts = list(parse_file_parts(path, rows=128, split_above=0))
    assert len(parts) == 8 and whole.problems and whole.duplicates == 300
    assert _merged(parts) == whole.scans
    assert whole.scans[699].facts["merchantRef"] == "Caf\u00e9 699"  # (an id not repeated)
    found = sorted((p.line, p.message) for part in parts for p in part.problems)
    assert found == [(p.line, p.message) for p in whole.problems]
    assert lines[whole.problems[0].line - 1].startswith("scan-0000;12;")  # the file's own line numbers


def _random_csv(rnd: random.Random) -> str:
    """CSV text as spreadsheets and hand edits make it: quoted fields (with the delimiter, doubled
    quotes), a quote inside an unquoted field, blank lines, short rows, bad facts, repeated ids;
    in some files a quoted line break, in some a quote never closed."""
    delimiter = rnd.choice([",", ";", "\t"])
    header = ["scanId", "bin", "cardholder", "merchantRef"]
    if rnd.random() < 0.5:
        header = [f'"{h}"' for h in header]
    # (x"y: a quote csv reads as a letter; "q"r: csv reads qr, a strict csv refuses the row)
    refs = ["ord-1", 'x"y', '"q"r', '"a;b,c"', ""] + (['"multi\nline"'] if rnd.random() < 0.3 else [])
    lines = [""] * rnd.randrange(2) + [delimiter.join(header)]
    for _ in range(rnd.randrange(150, 400)):
        if rnd.random() < 0.03:
            lines.append("")
            continue
        name = rnd.choice(["Doe, John", 'Anna "Ann" Li', "Zoë", "O'Brien", "plain"])
        quote = rnd.random() < 0.7 or delimiter in name or '"' in name
        cells = [
            f"scan-{rnd.randrange(300):04d}",
            rnd.choice(["411111", "12", "545454"]),
            '"' + name.replace('"', '""') + '"' if quote else name,
            rnd.choice(refs) if rnd.random() < 0.2 else "ord",
        ]
        lines.append(delimiter.join(cells[: rnd.randrange(1, 5)] if rnd.random() < 0.05 else cells))
    if rnd.random() < 0.1:
        lines.insert(rnd.randrange(2, len(lines)), 'scan-9999,"never closed')
    return rnd.choice(["\n", "\r\n"]).join(lines) + rnd.choice(["\n", ""])


def test_parts_give_what_the_file_whole_gives_for_csv_as_it_comes(tmp_path) -> None:
    # A file is cut in parts only when csv reads it whole one record per line (a quoted line break
    # or a quote never closed: parsed whole, as before); either way the scans, the duplicates and
    # the problems (with the file's own line numbers) are those of the file parsed whole.
    rnd = random.Random(18)
    split = 0
    for case in range(150):
        path = tmp_path / f"f{case}.csv"
        path.write_bytes(_random_csv(rnd).encode(rnd.choice(["utf-8", "utf-8-sig", "latin-1"])))
        try:
            whole = parse_file(path)
        except ImportFailed as exc:
            with pytest.raises(ImportFailed, match=re.escape(str(exc))):
                list(parse_file_parts(path, rows=40, split_above=0))
            continue
        parts = list(parse_file_parts(path, rows=40, split_above=0))
        split += len(parts) > 1
        assert _merged(parts) == whole.scans, case
        assert (
            sum(p.duplicates for p in parts) + sum(len(p.scans) for p in parts) - len(_merged(parts))
            == whole.duplicates
        ), case
        found = sorted((p.line, p.message) for part in parts for p in part.problems)
        assert found == sorted((p.line, p.message) for p in whole.problems), case
    assert 40 < split < 150  # both ways were taken


def test_a_csv_that_cannot_be_cut_by_lines_is_one_part(tmp_path) -> None:
    rows = "".join(f"scan-{n},{400000 + n}\n" for n in range(400))
    quoted = tmp_path / "quoted.csv"  # a quoted field holding a line break: a record over two lines
    quoted.write_text('scanId,bin,merchantRef\n"scan-x",411111,"ord\n2"\n' + rows, encoding="utf-8")
    small = tmp_path / "small.csv"
    small.write_text("scanId,bin\n" + rows, encoding="utf-8")  # not more than 1.5 parts
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text("scanId,bin\n" + rows, encoding="utf-16")  # with its BOM
    lone_cr = tmp_path / "cr.csv"
    lone_cr.write_bytes(("scanId,bin\n" + rows).replace("\n", "\r", 7).encode())  # old Mac lines
    cases = ((quoted, 100), (small, 300), (utf16, 100), (lone_cr, 100))
    for path, rows_a_part in cases:
        (only,) = parse_file_parts(path, rows=rows_a_part, split_above=rows_a_part * 3 // 2)
        assert only.scans == parse_file(path).scans and len(only.scans) in (400, 401)
    json_file = tmp_path / "q.json"
    json_file.write_text(json.dumps([{"scanId": f"scan-{n}"} for n in range(400)]), encoding="utf-8")
    assert [len(p.scans) for p in parse_file_parts(json_file, rows=100, split_above=0)] == [400]
    with pytest.raises(ImportFailed, match="does not exist"):
        next(parse_file_parts(tmp_path / "gone.csv"))
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"scanId\n" + b"scan-1\x00\n" * 400)
    with pytest.raises(ImportFailed, match="not a text file"):
        next(parse_file_parts(binary, rows=100, split_above=0))
