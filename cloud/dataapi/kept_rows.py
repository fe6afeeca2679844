"""A finished statement's rows, kept for GetStatementResult in a compact form: pickled pages.

As Python tuples a result costs about five times its size (each value is an object of its
own: 400,000 sales rows that print in 36 MB took 190 MB), and the endpoint kept up to 512 MB
of them, counted by their printed size: 2.7 GB of the endpoint's 3.3 GB after a 30-minute
soak. Pickled by pages of `PAGE_ROWS` rows, a result costs about its size, is counted by the
bytes it holds, and a page is unpacked only when it is read. Only this process makes and
reads these bytes: nothing from outside is ever unpickled.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterator, Sequence
from typing import Any, overload

from cloud.dataapi.statement import PAGE_ROWS

Row = tuple[Any, ...]


class KeptRows(Sequence[Row]):
    """Rows packed by pages: a sequence of tuples that unpacks only the pages it is asked for."""

    def __init__(self, rows: Sequence[Row] = (), page_rows: int = PAGE_ROWS) -> None:
        if page_rows < 1:
            raise ValueError("page_rows must be at least 1")
        self._page_rows = page_rows
        self._pages: list[bytes] = []
        self._pending: list[Row] = []  # the last page, until it is full or sealed
        self._len = 0
        self.nbytes = 0  # the bytes of the packed pages
        self.extend(rows)
        self.seal()

    def extend(self, rows: Sequence[Row]) -> None:
        """Add rows; every full page is packed as it fills."""
        self._pending.extend(rows)
        self._len += len(rows)
        while len(self._pending) >= self._page_rows:
            self._pack(self._pending[: self._page_rows])
            del self._pending[: self._page_rows]

    def seal(self) -> None:
        """Pack the last, partial page."""
        if self._pending:
            self._pack(self._pending)
            self._pending = []

    def _pack(self, rows: list[Row]) -> None:
        page = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        self._pages.append(page)
        self.nbytes += len(page)

    def _page(self, n: int) -> list[Row]:
        if n == len(self._pages):
            return self._pending
        rows: list[Row] = pickle.loads(self._pages[n])  # noqa: S301 - bytes this object pickled
        return rows

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> Row: ...

    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...

    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._len)
            if step != 1:
                return list(self)[index]
            out: list[Row] = []
            for n in range(
                start // self._page_rows, (stop - 1) // self._page_rows + 1 if stop > start else 0
            ):
                first = n * self._page_rows
                out.extend(self._page(n)[max(start - first, 0) : stop - first])
            return out
        i = index + self._len if index < 0 else index
        if not 0 <= i < self._len:
            raise IndexError("row index out of range")
        return self._page(i // self._page_rows)[i % self._page_rows]

    def __iter__(self) -> Iterator[Row]:
        for n in range(len(self._pages) + 1):
            yield from self._page(n)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, KeptRows | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-sequence equality, as a list

    def __repr__(self) -> str:
        return f"KeptRows({self._len} rows, {self.nbytes} bytes)"
