"""Hostile uploads: every good row still becomes an event, every bad row is reported with its
row number and a reason, and nothing raises, whatever the file holds.

A good row is a ConcertCancelled whose concert_id is its own row number, so the events say
exactly which rows got through.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable

import pytest

from producers.files import MAX_REPORTED_ERRORS, IngestResult, ingest_bytes

MB = 1024 * 1024
CSV = b"event_type,concert_id,reason\n"


def c(n: int, reason: str = "ok") -> bytes:
    return f"ConcertCancelled,{n},{reason}\n".encode()


def j(n: int, reason: str = "ok", **extra: object) -> bytes:
    row = {"event_type": "ConcertCancelled", "concert_id": n, "reason": reason, **extra}
    return json.dumps(row, ensure_ascii=False).encode()


def sold(n: int, amount: str) -> bytes:
    return (
        b'{"event_type":"TicketSold","sale_id":1,"concert_id":%d,"customer_id":1,"tier":"ga",'
        b'"quantity":1,"unit_price":{"amount":%s,"currency":"USD"}}' % (n, amount.encode())
    )


def x(n: int, reason: str = "ok", inner: str = "") -> bytes:
    return (
        f'<event type="ConcertCancelled"><concert_id>{n}</concert_id><reason>{reason}</reason>{inner}</event>'
    ).encode()


def lines(*rows: bytes, sep: bytes = b"\n") -> bytes:
    return sep.join(rows) + sep


def array(*rows: bytes) -> bytes:
    return b"[" + b",\n".join(rows) + b"]"


def xml(*rows: bytes) -> bytes:
    return b'<?xml version="1.0"?>\n<events>\n' + b"\n".join(rows) + b"\n</events>\n"


PRETTY = json.dumps([json.loads(j(n)) for n in (1, 2, 3)], indent=2).encode()


def check(content: bytes, name: str, good: Iterable[int], bad: dict[int, str]) -> IngestResult:
    """Ingest without raising; the good rows are the events, each bad row's error says `bad[row]`."""
    r = ingest_bytes(content, name)
    assert sorted(e.data.concert_id for e in r.events) == sorted(good)
    errors = {e.row: e.reason for e in r.errors}
    assert len(errors) == len(r.errors) == r.bad_rows, r.errors
    assert set(errors) == set(bad), errors
    for row, fragment in bad.items():
        assert fragment.lower() in errors[row].lower(), (row, errors[row])
    return r


CASES = [
    # oversized cells and rows
    (
        "csv cell over csv's field limit",
        CSV + c(1) + c(2, "y" * 131_073) + c(3),
        "csv",
        [1, 3],
        {2: "field limit"},
    ),
    (
        "csv row over 1 MB of small cells",
        CSV + c(1) + b"a," * (600_000) + b"\n" + c(3),
        "csv",
        [1, 3],
        {2: "bound"},
    ),
    (
        "csv quoted cell spanning lines past 1 MB",
        CSV + c(1) + b'ConcertCancelled,2,"' + b"z" * 100_000 + b"\n" * 12 + b"z" * 1_100_000 + b'"\n' + c(3),
        "csv",
        [1, 3],
        {2: "bound"},
    ),
    ("jsonl line of 2 MB", lines(j(1), j(2, "r" * 2 * MB), j(3)), "jsonl", [1, 3], {2: "bound"}),
    ("json element of 2 MB", array(j(1), j(2, "r" * 2 * MB), j(3)), "json", [1, 3], {2: "bound"}),
    (
        "json element with 150,000 keys",
        array(j(1), b"{" + b",".join(b'"k%d":0' % i for i in range(150_000)) + b"}", j(3)),
        "json",
        [1, 3],
        {2: "bound"},
    ),
    ("xml text of 2 MB", xml(x(1), x(2, "t" * 2 * MB), x(3)), "xml", [1, 3], {2: "bound"}),
    (
        "xml attribute of 2 MB",
        xml(x(1), b'<event type="ConcertCancelled" a="' + b"v" * 2 * MB + b'"/>', x(3)),
        "xml",
        [1, 3],
        {2: "bound"},
    ),
    ("reason over the schema's length", lines(j(1), j(2, "r" * 600), j(3)), "jsonl", [1, 3], {2: "reason"}),
    # deep nesting
    ("json element 5,000 deep", array(j(1), b"[" * 5000 + b"]" * 5000, j(3)), "json", [1, 3], {2: "deeper"}),
    (
        "jsonl object 100,000 deep",
        lines(j(1), b'{"a":' * 100_000 + b"1" + b"}" * 100_000, j(3)),
        "jsonl",
        [1, 3],
        {2: "deeper"},
    ),
    (
        "jsonl one level past the bound",
        lines(j(1), b"[" * 17 + b"]" * 17, j(3)),
        "jsonl",
        [1, 3],
        {2: "deeper"},
    ),
    (
        "json deep value inside a good-looking event",
        array(j(1), j(2, extra={"a": {"b": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}}), j(3)),
        "json",
        [1, 3],
        {2: "deeper"},
    ),
    ("csv json cell 5,000 deep", CSV + c(1) + c(2, "[" * 5000) + c(3), "csv", [1, 3], {2: "deeper"}),
    (
        "xml 5,000 deep",
        xml(x(1), x(2, inner="<a>" * 5000 + "</a>" * 5000), x(3)),
        "xml",
        [1, 3],
        {2: "deeper"},
    ),
    (
        "xml 300,000 deep never closed",
        b"<events>" + x(1) + b"<a>" * 300_000,
        "xml",
        [1],
        {2: "deeper", 0: "ends before </events>"},
    ),
    # duplicate keys, headers, children
    (
        "jsonl duplicate top-level key",
        lines(j(1), j(2)[:-1] + b',"concert_id":99}', j(3)),
        "jsonl",
        [1, 3],
        {2: "duplicate key 'concert_id'"},
    ),
    (
        "json duplicate nested key",
        array(j(1), sold(2, '1.00,"amount":2.00'), j(3)),
        "json",
        [1, 3],
        {2: "duplicate key 'amount'"},
    ),
    (
        "json duplicate events array",
        b'{"events":[' + j(1) + b'],"events":[' + j(2) + b"]}",
        "json",
        [1],
        {0: "duplicate key 'events'"},
    ),
    (
        "csv repeated header",
        b"event_type,concert_id,reason,reason\n" + c(1),
        "csv",
        [],
        {0: "repeats column 'reason'"},
    ),
    (
        "csv header repeated after trimming",
        b"event_type, concert_id,concert_id\n" + c(1),
        "csv",
        [],
        {0: "repeats"},
    ),
    (
        "csv dotted header under a plain one",
        b"event_type,concert_id,reason,reason.x\nConcertCancelled,1,a,b\nConcertCancelled,2,a,\n",
        "csv",
        [2],
        {1: "conflicts"},
    ),
    (
        "csv json cell with duplicate keys",
        CSV + c(1) + c(2, '"{""a"":1,""a"":2}"') + c(3),
        "csv",
        [1, 3],
        {2: "duplicate key"},
    ),
    (
        "xml repeated child",
        xml(x(1), x(2, inner="<concert_id>7</concert_id>"), x(3)),
        "xml",
        [1, 3],
        {2: "<concert_id> is repeated"},
    ),
    (
        "xml attribute and child with one name",
        xml(x(1), x(2).replace(b"<event ", b'<event reason="no" '), x(3)),
        "xml",
        [1, 3],
        {2: "<reason> is repeated"},
    ),
    (
        "xml type and event_type attributes",
        xml(x(1), x(2).replace(b"<event ", b'<event event_type="TicketSold" '), x(3)),
        "xml",
        [1, 3],
        {2: "both"},
    ),
    (
        "xml repeated child in a nested record",
        xml(x(1), x(2, inner="<p><a>1</a><a>2</a><b>3</b></p>"), x(3)),
        "xml",
        [1, 3],
        {2: "<a> is repeated in <p>"},
    ),
    # values that parsing would alter
    (
        "json money beyond two places",
        array(sold(1, "1.00"), sold(2, "19.999999999999999999"), sold(3, "12.50")),
        "json",
        [1, 3],
        {2: "decimal"},
    ),
    (
        "jsonl id with a float tail",
        lines(
            j(1),
            j(2)[:-1] + b"}",
            b'{"event_type":"ConcertCancelled","concert_id":3.0000000000000001,"reason":"ok"}',
        ),
        "jsonl",
        [1, 2],
        {3: "fractional"},
    ),
    (
        "jsonl NaN",
        lines(j(1), b'{"event_type":"ConcertCancelled","concert_id":NaN,"reason":"ok"}', j(3)),
        "jsonl",
        [1, 3],
        {2: "NaN"},
    ),
    ("json Infinity", array(j(1), sold(2, "Infinity"), j(3)), "json", [1, 3], {2: "Infinity"}),
    (
        "json number of 5,000 digits",
        array(j(1), sold(2, "9" * 5000), j(3)),
        "json",
        [1, 3],
        {2: "longer than"},
    ),
    ("json huge exponent", array(j(1), sold(2, "1e999999999"), j(3)), "json", [1, 3], {2: "amount"}),
    (
        "json lone surrogate escape",
        array(j(1), b'{"event_type":"ConcertCancelled","concert_id":2,"reason":"\\ud800"}', j(3)),
        "json",
        [1, 3],
        {2: "surrogate"},
    ),
    (
        "xml attributes on inner elements",
        xml(x(1), x(2, inner='<p unit="EUR">1</p>'), x(3)),
        "xml",
        [1, 3],
        {2: "attributes"},
    ),
    (
        "xml text mixed with elements",
        xml(x(1), x(2).replace(b"</reason>", b"</reason>stray"), x(3)),
        "xml",
        [1, 3],
        {2: "mixes"},
    ),
    # line separators
    (
        "jsonl U+2028, U+2029, U+0085 inside strings",
        lines(j(1), j(2, "a\u2028b\u2029c\x85d"), j(3)),
        "jsonl",
        [1, 2, 3],
        {},
    ),
    (
        "jsonl raw \\x0b and \\x0c inside strings",
        lines(j(1), j(2, "a").replace(b"a", b"a\x0bb\x0cc"), j(3)),
        "jsonl",
        [1, 3],
        {2: "control character"},
    ),
    (
        "jsonl lone \\r between two objects",
        lines(j(1), j(2) + b"\r" + j(9), j(3)),
        "jsonl",
        [1, 3],
        {2: "extra data"},
    ),
    ("jsonl CRLF line ends", lines(j(1), j(2), j(3), sep=b"\r\n"), "jsonl", [1, 2, 3], {}),
    ("jsonl only \\r line ends", lines(j(1), j(2), sep=b"\r"), "jsonl", [], {1: "extra data"}),
    ("csv U+2028 inside a cell", CSV + c(1) + c(2, "a\u2028b") + c(3), "csv", [1, 2, 3], {}),
    ("csv lone \\r in an unquoted cell", CSV + c(1) + c(2, "a\rb") + c(3), "csv", [1, 3], {2: "new-line"}),
    (
        "csv CRLF and a quoted \\r",
        (CSV + c(1) + c(2, '"a\rb"') + c(3)).replace(b"\n", b"\r\n"),
        "csv",
        [1, 2, 3],
        {},
    ),
    ("json pretty-printed with CRLF", array(j(1), j(2)).replace(b"\n", b"\r\n"), "json", [1, 2], {}),
    # byte order marks
    ("csv with a UTF-8 BOM", b"\xef\xbb\xbf" + CSV + c(1), "csv", [1], {}),
    (
        "jsonl with a UTF-8 BOM, and one mid-file",
        b"\xef\xbb\xbf" + lines(j(1), b"\xef\xbb\xbf" + j(2), j(3)),
        "jsonl",
        [1, 3],
        {2: "BOM"},
    ),
    ("json with a UTF-8 BOM", b"\xef\xbb\xbf" + array(j(1)), "json", [1], {}),
    ("xml with a UTF-8 BOM", b"\xef\xbb\xbf" + xml(x(1)), "xml", [1], {}),
    ("csv in UTF-16", (CSV + c(1)).decode().encode("utf-16"), "csv", [], {0: "UTF-16"}),
    # encodings and invalid UTF-8
    (
        "csv invalid UTF-8 in a cell",
        CSV + c(1) + b"ConcertCancelled,2,caf\xe9\n" + c(3),
        "csv",
        [1, 3],
        {2: "UTF-8"},
    ),
    ("jsonl overlong UTF-8", lines(j(1), j(2)[:-2] + b'\xc0\xaf"}', j(3)), "jsonl", [1, 3], {2: "UTF-8"}),
    (
        "json UTF-8-encoded surrogate",
        array(j(1), j(2)[:-2] + b'\xed\xa0\x80"}', j(3)),
        "json",
        [1, 3],
        {2: "UTF-8"},
    ),
    (
        "xml invalid UTF-8 in a text",
        xml(x(1), x(2, "caf").replace(b"caf", b"caf\xe9"), x(3)),
        "xml",
        [1, 3],
        {2: "not valid XML"},
    ),
    (
        "xml declared ISO-8859-1",
        xml(x(1, "caf\xe9")).replace(b"1.0", b'1.0" encoding="ISO-8859-1').replace(b"\xc3\xa9", b"\xe9"),
        "xml",
        [1],
        {},
    ),
    (
        "json valid surrogate pair escape",
        array(j(1), b'{"event_type":"ConcertCancelled","concert_id":2,"reason":"\\ud83c\\udfb8"}'),
        "json",
        [1, 2],
        {},
    ),
    # truncated files
    ("jsonl cut mid-line", lines(j(1), j(2))[:-10], "jsonl", [1], {2: "not valid JSON"}),
    ("json cut mid-element", array(j(1), j(2))[:-10], "json", [1], {2: "ends inside"}),
    (
        "json cut after a comma",
        array(j(1), j(2))[:-1] + b",",
        "json",
        [1, 2],
        {0: "ends before the array is closed"},
    ),
    ("xml cut mid-event", xml(x(1), x(2))[:-30], "xml", [1], {2: "ends inside"}),
    ("csv cut mid-row", (CSV + c(1) + c(2))[:-6], "csv", [1], {2: "columns"}),
    (
        "csv cut inside quotes",
        CSV + c(1) + b'ConcertCancelled,2,"never closed\n' + c(3),
        "csv",
        [1],
        {2: "end of data"},
    ),
    # broken structure around good rows
    ("json mismatched bracket", array(j(1), b'{"a":[1,2}', j(3)), "json", [1, 3], {2: "closes"}),
    ("json missing comma", b"[" + j(1) + b" " + j(2) + b"," + j(3) + b"]", "json", [1, 3], {2: "no comma"}),
    ("json double comma", b"[" + j(1) + b",," + j(3) + b"]", "json", [1, 3], {2: "empty element"}),
    (
        "json string broken at a line end",
        array(j(1), b'{"reason": "open', j(3)),
        "json",
        [1, 3],
        {2: "past the end of its line"},
    ),
    (
        "json pretty-printed, a string broken inside an element",
        PRETTY.replace(b'2,\n    "reason": "ok"', b'2,\n    "reason": "ok'),
        "json",
        [1, 3],
        {2: "past the end of its line"},
    ),
    ("json trailing garbage", array(j(1)) + b"{}", "json", [1], {0: "after the end"}),
    (
        "json elements that are not objects",
        array(j(1), b"42", b'"s"', b"null", j(5)),
        "json",
        [1, 5],
        {2: "int", 3: "str", 4: "NoneType"},
    ),
    ("xml unclosed inner tag", xml(x(1), x(2, inner="<a>"), x(3)), "xml", [1, 3], {2: "<a> is not closed"}),
    ("xml stray end tag", xml(x(1), x(2, inner="</b>"), x(3)), "xml", [1, 3], {2: "unexpected </b>"}),
    ("xml undefined entity", xml(x(1), x(2, "&boom;"), x(3)), "xml", [1, 3], {2: "undefined entity"}),
    (
        "xml comment and CDATA holding markup",
        xml(x(1), b"<!-- <event> -->", x(2, "<![CDATA[</event><x>]]>")),
        "xml",
        [1, 2],
        {},
    ),
    (
        "xml '>' and '/>' inside quoted attributes",
        xml(b"<event type='ConcertCancelled' reason='a > b/>'><concert_id>1</concert_id></event>", x(2)),
        "xml",
        [1, 2],
        {},
    ),
    (
        "xml entity expansion in the DTD",
        b'<!DOCTYPE e [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]>' + xml(x(1))[22:],
        "xml",
        [],
        {0: "Entities"},
    ),
    ("xml not an event", xml(x(1), b"<note>hi</note>", x(3)), "xml", [1, 3], {2: "expected <event>"}),
    # empty files
    ("csv empty", b"", "csv", [], {}),
    ("csv header only", CSV, "csv", [], {}),
    ("jsonl blank lines only", b"\n \n\r\n", "jsonl", [], {}),
    ("json empty", b"", "json", [], {0: "empty"}),
    ("json empty array", b" [ ] ", "json", [], {}),
    ("xml empty", b"", "xml", [], {0: "no root"}),
    ("xml empty root", b"<events/>", "xml", [], {}),
    ("json whitespace only", b" \n\t ", "json", [], {0: "empty"}),
]


@pytest.mark.parametrize(("content", "fmt", "good", "bad"), [pytest.param(*c[1:], id=c[0]) for c in CASES])
def test_hostile_input_is_refused_row_by_row(
    content: bytes, fmt: str, good: list[int], bad: dict[int, str]
) -> None:
    check(content, f"upload.{fmt}", good, bad)


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xml"])
@pytest.mark.parametrize("seed", [1, 2])
def test_binary_garbage_is_reported_not_raised(fmt: str, seed: int) -> None:
    rnd = random.Random(seed)
    garbage = bytes(rnd.randrange(1, 256) for _ in range(300_000))
    r = ingest_bytes(garbage, f"junk.{fmt}")
    assert not r.events and r.errors and all(e.reason for e in r.errors)
    assert ingest_bytes(b"\x00" + garbage, f"junk.{fmt}").errors[0].reason.startswith("file is not UTF-8")


def test_row_numbers_hold_over_100_000_lines_with_bad_rows_among_them() -> None:
    bad_rows = set(range(7, 100_001, 9_973))
    content = lines(*(b"{oops" if n in bad_rows else j(n) for n in range(1, 100_001)))
    r = check(
        content, "many.jsonl", sorted(set(range(1, 100_001)) - bad_rows), dict.fromkeys(bad_rows, "JSON")
    )
    assert r.rows == 100_000


def test_blank_lines_count_as_rows_and_keep_numbers_right() -> None:
    check(b"\n" * 100_000 + j(100_001) + b"\n", "sparse.jsonl", [100_001], {})
    check(CSV + b"\n" * 50_000 + c(50_001), "sparse.csv", [50_001], {})


def test_errors_kept_are_bounded_but_every_bad_row_is_counted() -> None:
    content = CSV + b"".join(c(n) if n % 2 else b"x\n" for n in range(1, 40_001))
    r = ingest_bytes(content, "flood.csv")
    assert len(r.events) == 20_000 and r.bad_rows == 20_000
    assert len(r.errors) == MAX_REPORTED_ERRORS and r.errors[-1].row == 2 * MAX_REPORTED_ERRORS
    assert r.summary()["errors_omitted"] == 20_000 - MAX_REPORTED_ERRORS


def test_a_huge_reason_is_cut() -> None:
    r = ingest_bytes(lines(b'{"event_type":"' + b"T" * 100_000 + b'"}'), "x.jsonl")
    assert len(r.errors[0].reason) <= 300
