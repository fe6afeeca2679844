"""A sale as a training holds it: its fields in slots, read as a mapping like any other row.

A training holds every sale of the warehouse. As decoded dicts they took ~950 bytes each: the
3,008 MB training Lambda full near three million sales, and the local trainer's memory growing
~1 KB with every event of a soak. In slots, with the ids, quantities and price bands of equal
value kept once, a sale takes ~210 bytes. Pure.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

SALE_FIELDS = (
    "concert_id",
    "artist_id",
    "venue_id",
    "customer_id",
    "sold_at",
    "quantity",
    "revenue",
    "price_band",
)
_SHARED = ("concert_id", "artist_id", "venue_id", "customer_id", "quantity", "price_band")


class Sale(Mapping[str, Any]):
    """One sale; a field the row did not have reads as missing (`KeyError`, `get`'s default)."""

    __slots__ = SALE_FIELDS

    def __getitem__(self, key: str) -> Any:
        try:
            return _GET[key](self)
        except AttributeError:
            raise KeyError(key) from None

    def __iter__(self) -> Iterator[str]:
        return (key for key in SALE_FIELDS if hasattr(self, key))

    def __len__(self) -> int:
        return sum(1 for _ in self)


_GET: dict[str, Callable[[Sale], Any]] = {key: getattr(Sale, key).__get__ for key in SALE_FIELDS}
_SET: dict[str, Callable[[Sale, Any], None]] = {key: getattr(Sale, key).__set__ for key in SALE_FIELDS}


def sale_maker() -> Callable[[list[tuple[str, Any]]], Sale]:
    """A maker of sales from a row's (key, value) pairs (other keys left out, `sold_at` parsed
    from ISO 8601), keeping equal ids, quantities and bands once across every sale it makes."""
    shared: dict[str, dict[Any, Any]] = {key: {} for key in _SHARED}

    def make(pairs: list[tuple[str, Any]]) -> Sale:
        sale = Sale()
        for key, value in pairs:
            if (seen := shared.get(key)) is not None:
                value = seen.setdefault(value, value)
            elif key == "sold_at" and isinstance(value, str):
                value = datetime.fromisoformat(value)
            if (put := _SET.get(key)) is not None:
                put(sale, value)
        return sale

    return make


def sales_decoder() -> json.JSONDecoder:
    """Decodes a channel's sales file line by line into `Sale`s (one maker: one set of shared values)."""
    return json.JSONDecoder(object_pairs_hook=sale_maker())
