"""The malformed-record drill: every record it makes is rejected, for the reason of its kind."""

from __future__ import annotations

import pytest

from producers.malformed import KINDS, malformed
from schemas import InvalidEvent, parse_event

REASON_HINT = {
    "not_json": "JSON",
    "truncated_json": "JSON",
    "wrong_schema_version": "schema_version",
    "unknown_event_type": "event_type",
    "out_of_range": "quantity",
    "missing_field": "concert_id",
    "wrong_type": "quantity",
    "oversize": "oversize",
    "binary": "",
}


@pytest.mark.parametrize("record", malformed(3 * len(KINDS), seed=5), ids=lambda r: r.kind)
def test_every_malformed_record_is_rejected_for_its_reason(record: object) -> None:
    with pytest.raises(InvalidEvent) as info:
        parse_event(record.data)  # type: ignore[attr-defined]
    assert REASON_HINT[record.kind] in info.value.reason  # type: ignore[attr-defined]


def test_the_drill_is_reproducible_and_covers_every_kind() -> None:
    assert malformed(20, seed=1) == malformed(20, seed=1)
    assert {r.kind for r in malformed(len(KINDS))} == set(KINDS)
