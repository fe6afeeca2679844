"""File ingestion: CSV, JSON, JSON Lines and XML into events, bad rows reported by number."""

from __future__ import annotations

from pathlib import Path

import pytest

from producers.files import UnsupportedFormat, detect_format, ingest_bytes, ingest_path

UPLOADS = Path(__file__).parent.parent / "fixtures" / "uploads"


def _errors(result: object) -> dict[int, str]:
    return {e.row: e.reason for e in result.errors}  # type: ignore[attr-defined]


def test_csv_good_rows_published_bad_rows_reported() -> None:
    r = ingest_path(UPLOADS / "sales.csv")
    assert r.rows == 10 and len(r.events) == 3
    assert [e.data.sale_id for e in r.events] == [900001, 900002, 900007]
    errs = _errors(r)
    assert sorted(errs) == [3, 4, 5, 6, 7, 8, 9]
    assert (
        "tier" in errs[3]
        and "quantity" in errs[4]
        and "columns" in errs[5]
        and "greater than or equal" in errs[9]
    )
    assert all(e.file.endswith("sales.csv") for e in r.errors)


def test_json_mixes_flat_rows_and_full_envelopes() -> None:
    r = ingest_path(UPLOADS / "catalog.json")
    assert [e.event_type for e in r.events] == ["ArtistUpserted", "VenueUpserted", "ConcertScheduled"]
    assert str(r.events[2].event_id) == "0b8f3f0e-3c59-4a8a-9a53-59b1d3f0a111"
    assert r.events[2].source == "catalog-feed" and r.events[0].source == "upload:json"
    errs = _errors(r)
    assert sorted(errs) == [4, 5, 6, 7, 8]
    assert "state" in errs[4] and "manager" in errs[5] and "timezone" in errs[7] and "Mystery" in errs[8]


def test_xml_nested_elements_and_lists() -> None:
    r = ingest_path(UPLOADS / "concerts.xml")
    assert [e.event_type for e in r.events] == ["ConcertScheduled", "ConcertUpdated", "ConcertCancelled"]
    tiers = r.events[0].data.price_tiers
    assert len(tiers) == 1 and tiers[0].seats == 2000 and str(tiers[0].price.amount) == "55.00"
    assert sorted(_errors(r)) == [3, 5, 6]


def test_xml_entities_are_refused() -> None:
    r = ingest_path(UPLOADS / "xxe.xml")
    assert not r.events and r.errors[0].row == 0 and "Entities" in r.errors[0].reason


def test_jsonl_bad_lines_are_reported_by_line() -> None:
    content = b'{"event_type":"ConcertCancelled","concert_id":1,"reason":"x"}\n{oops\n\n[1]\n'
    r = ingest_bytes(content, "feed.jsonl")
    assert len(r.events) == 1 and sorted(_errors(r)) == [2, 4]


def test_same_file_twice_same_event_ids_other_content_other_ids() -> None:
    content = (UPLOADS / "sales.csv").read_bytes()
    a, b = ingest_bytes(content, "a.csv"), ingest_bytes(content, "b.csv")
    assert [e.event_id for e in a.events] == [e.event_id for e in b.events]
    c = ingest_bytes(content + b"\n", "a.csv")
    assert {e.event_id for e in a.events}.isdisjoint({e.event_id for e in c.events})


def test_whole_file_problems_are_one_error() -> None:
    assert "not valid JSON" in ingest_bytes(b"{", "x.json").errors[0].reason
    assert "UTF-8" in ingest_bytes(b"\xff\xfe\x00", "x.csv").errors[0].reason
    assert ingest_bytes(b"", "x.csv").rows == 0


def test_unsupported_format_is_a_clear_error() -> None:
    with pytest.raises(UnsupportedFormat, match=r"\.parquet|parquet"):
        detect_format("data.parquet")
    assert detect_format("x.NDJSON") == "jsonl"
