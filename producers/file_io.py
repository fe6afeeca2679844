"""Bounded reading of an upload: lines and a window that never hold more than one row.

A row (CSV record, JSON Lines line, JSON array element, XML child of the root) is held whole
only up to MAX_ROW_BYTES; a longer one is skipped byte by byte, never buffered, and refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

MAX_ROW_BYTES = 1024 * 1024
MAX_DEPTH = 16
CHUNK_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"


class Readable(Protocol):
    """A binary stream: a file, `io.BytesIO`, botocore's `StreamingBody`."""

    def read(self, size: int, /) -> bytes: ...


def lines(stream: Readable, limit: int = MAX_ROW_BYTES) -> Iterator[tuple[bytes | None, int]]:
    """Each line split on b"\\n" only (kept at its end) with its size; None for one over `limit`.

    A leading UTF-8 byte order mark is dropped. Memory: one chunk plus one line of at most `limit`.
    """
    parts: list[bytes] = []
    size = 0
    first = True
    while chunk := stream.read(CHUNK_BYTES):
        if first:
            chunk, first = chunk.removeprefix(BOM), False
        start = 0
        while (nl := chunk.find(b"\n", start)) >= 0:
            size += nl + 1 - start
            yield (b"".join((*parts, chunk[start : nl + 1])) if size <= limit else None), size
            parts, size, start = [], 0, nl + 1
        size += len(chunk) - start
        if size <= limit:
            parts.append(chunk[start:])
        else:
            parts = []
    if size:
        yield (b"".join(parts) if size <= limit else None), size


class Window:
    """A stream seen through a buffer: `pos` scans on, `mark` starts the row being captured.

    When a captured row grows past `limit` the mark is dropped and `overflowed` set, so the
    buffer keeps at most one row plus a chunk whatever the file holds.
    """

    def __init__(self, stream: Readable, limit: int = MAX_ROW_BYTES) -> None:
        self.stream = stream
        self.limit = limit
        self.buf = bytearray()
        self.pos = 0
        self.mark: int | None = None
        self.overflowed = False
        self.eof = False
        self._first = True

    def more(self) -> bool:
        """Read one more chunk (dropping what is behind the mark or `pos`); False at the end."""
        if self.eof:
            return False
        keep = self.pos if self.mark is None else self.mark
        if keep:
            del self.buf[:keep]
            self.pos -= keep
            if self.mark is not None:
                self.mark = 0
        chunk = self.stream.read(CHUNK_BYTES)
        if self._first:
            chunk, self._first = chunk.removeprefix(BOM), False
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        if self.mark is not None and len(self.buf) - self.mark > self.limit:
            self.mark, self.overflowed = None, True
        return True

    def skip(self, run: re.Pattern[bytes]) -> int | None:
        """Move past a run of bytes matching `run`; the byte after it, or None at the end."""
        while True:
            m = run.match(self.buf, self.pos)
            self.pos = m.end() if m else self.pos
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self.more():
                return None

    def peek(self, n: int) -> bytes:
        """The next `n` bytes (fewer at the end of the stream), without moving."""
        while len(self.buf) - self.pos < n and self.more():
            pass
        return bytes(self.buf[self.pos : self.pos + n])

    def start_row(self) -> None:
        """Begin capturing a row at `pos`."""
        self.mark, self.overflowed = self.pos, False

    def end_row(self) -> bytes | None:
        """The captured row's bytes, or None if it outgrew the limit."""
        row = None if self.mark is None or self.overflowed else bytes(self.buf[self.mark : self.pos])
        if row is not None and len(row) > self.limit:
            row = None
        self.mark = None
        return row


def too_large(size: int | None = None) -> str:
    """The reason a row over the bound is refused."""
    if size is None:
        return f"row is larger than the {MAX_ROW_BYTES}-byte bound"
    return f"row is {size} bytes, above the {MAX_ROW_BYTES}-byte bound"
