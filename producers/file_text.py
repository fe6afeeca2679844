"""CSV, JSON Lines and JSON uploads as records, one row at a time (see producers.files)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from producers.file_io import MAX_ROW_BYTES, Readable, lines, too_large
from producers.file_json import Refused, json_rows, loads

Record = dict[str, Any] | str


def _json_object(text: str, *, depth_checked: bool = False) -> Record:
    try:
        obj = loads(text, depth_checked=depth_checked)
    except Refused as err:
        return str(err)
    except ValueError as err:
        return f"not valid JSON: {err}"
    return obj if isinstance(obj, dict) else f"expected an object, found {type(obj).__name__}"


def _cell(value: str) -> Any:
    v = value.strip()
    if v[:1] in ("[", "{"):
        try:
            return loads(v)
        except Refused:
            raise
        except ValueError:
            return v
    return v


def _unflatten(flat: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in flat.items():
        node = out
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise ValueError(f"column {key!r} conflicts with a scalar column")
        if leaf in node:
            raise ValueError(f"column {key!r} conflicts with a nested column")
        node[leaf] = value
    return out


class _RowTooLarge(Exception):
    """Raised through csv.reader, which then starts afresh on the next line."""


class _CsvLines:
    """Decoded lines for csv.reader, the current record's size and UTF-8 problem tracked."""

    def __init__(self, stream: Readable) -> None:
        self._lines = lines(stream)
        self.size = 0
        self.problem: str | None = None

    def __iter__(self) -> _CsvLines:
        return self

    def __next__(self) -> str:
        data, size = next(self._lines)
        self.size += size
        if data is None or self.size > MAX_ROW_BYTES:
            raise _RowTooLarge(too_large(self.size))
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as err:
            self.problem = self.problem or f"not valid UTF-8: byte {data[err.start]:#04x} ({err.reason})"
            return data.decode("utf-8", "replace")

    def record(self, reader: Any) -> list[str] | str | None:
        """The next record, why it is refused, or None at the end."""
        self.size, self.problem = 0, None
        try:
            row: list[str] = next(reader)
        except StopIteration:
            return None
        except _RowTooLarge as err:
            return str(err)
        except csv.Error as err:
            return f"not valid CSV: {err} (line {reader.line_num})"
        return self.problem or row


def csv_records(stream: Readable) -> Iterator[tuple[int, Record]]:
    """Each data row after the header as a record (or why it is refused); row 0 is the header."""
    src = _CsvLines(stream)
    reader = csv.reader(src, strict=True)
    header = src.record(reader)
    if isinstance(header, str):
        yield 0, f"header: {header}"
        return
    if not header:
        return
    header = [h.strip() for h in header]
    named = [h for h in header if h]
    if len(set(named)) != len(named):
        yield 0, f"header repeats column {next(h for h in named if named.count(h) > 1)!r}"
        return
    row_no = 0
    while (row := src.record(reader)) is not None:
        row_no += 1
        if isinstance(row, str):
            yield row_no, row
        elif not any(c.strip() for c in row):
            continue
        elif len(row) != len(header):
            yield row_no, f"expected {len(header)} columns, found {len(row)}"
        else:
            try:
                flat = {h: _cell(c) for h, c in zip(header, row, strict=True) if c.strip() != ""}
                if isinstance(flat.get("genres"), str):
                    flat["genres"] = [g.strip() for g in flat["genres"].split("|") if g.strip()]
                yield row_no, _unflatten(flat)
            except ValueError as err:
                yield row_no, str(err)


def jsonl_records(stream: Readable) -> Iterator[tuple[int, Record]]:
    """Each line (split on b"\\n" only) as a record, or why it is refused."""
    for row_no, (data, size) in enumerate(lines(stream), start=1):
        if data is None:
            yield row_no, too_large(size)
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as err:
            yield row_no, f"not valid UTF-8: byte {data[err.start]:#04x} ({err.reason})"
            continue
        if text.strip(" \t\r\n"):
            yield row_no, _json_object(text)


def json_records(stream: Readable) -> Iterator[tuple[int, Record]]:
    """Each element of a JSON upload as a record, or why it is refused; row 0 is the whole file."""
    for row_no, raw in json_rows(stream):
        if isinstance(raw, str):
            yield row_no, raw
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield row_no, f"not valid UTF-8: byte {raw[err.start]:#04x} ({err.reason})"
            continue
        yield row_no, _json_object(text, depth_checked=True)
