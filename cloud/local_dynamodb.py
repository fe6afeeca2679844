"""The local cloud's DynamoDB, cheaper where the live path leans on it (same answers).

The live aggregates write ~100-item transactions several times a second, and the emulator is one
Python process: measured at 1,000 events/s, TransactWriteItems was 83% of its request thread's
CPU. Per item it deep-copies the stored item three to six times (validation probes, the update,
the SET snapshot) and tokenizes the same update expression three times. And it keeps each
transaction's whole request under its ClientRequestToken for the 10 minutes AWS honours the
token, to refuse the token with another request: ~1.2 GB held at 1,000 events/s (a Python dict
per item, key, attribute and value). And it sizes every number of every item it writes several
times over (for limits and capacity), and the index write units of every member for a capacity
report nobody asked for. Five changes, none altering a result:

- `copy.deepcopy` in the DynamoDB module is replaced by a copy of JSON-like values (dicts, lists,
  sets, tuples, and immutable scalars returned as they are), falling back to `copy.deepcopy` for
  anything else; the stdlib's general machinery (memo, reductions) is what cost the time.
- the expression tokenizer is memoized by expression text (its tokens are tuples; each caller
  gets its own list).
- a token's request is kept as its SHA-256 digest (`RequestDigest`), which compares equal to the
  same request and to nothing else.
- a number's size is memoized by its text (a pure function of it).
- a transaction that asks for no consumed capacity does not count its members' index write
  units, which only that report uses (the item sizes its token keeps are still counted).

Measured on the live path's transactions (~97 items, ~48 ticket events each) replayed through
the module, whole process, paired runs: 0.90x the CPU of the module without these two (README).
"""

from __future__ import annotations

import contextvars
import copy
import functools
import hashlib
import json
from decimal import Decimal
from typing import Any

_IMMUTABLE = (str, int, float, bool, bytes, Decimal, type(None))


def json_deepcopy(value: Any) -> Any:
    """A deep copy of a JSON-like value; anything else through `copy.deepcopy`."""
    kind = type(value)
    if kind is dict:
        return {k: json_deepcopy(v) for k, v in value.items()}
    if kind is list:
        return [json_deepcopy(v) for v in value]
    if kind in _IMMUTABLE:
        return value
    if kind is set:
        return {json_deepcopy(v) for v in value}
    if kind is tuple:
        return tuple(json_deepcopy(v) for v in value)
    return copy.deepcopy(value)


class _JsonCopy:
    """The `copy` module's two functions, with the JSON-like deep copy."""

    copy = staticmethod(copy.copy)

    @staticmethod
    def deepcopy(value: Any, memo: dict[int, Any] | None = None) -> Any:
        return json_deepcopy(value)


class RequestDigest:
    """A request kept by its digest: equal to a request (a mapping) with the same content, or to
    another digest of one. The emulator compares a stored token's request with the new one by `==`."""

    __slots__ = ("digest",)

    def __init__(self, request: Any) -> None:
        self.digest = _digest(request)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RequestDigest):
            return self.digest == other.digest
        return self.digest == _digest(other)

    __hash__ = None  # type: ignore[assignment]


def _digest(request: Any) -> bytes:
    text = json.dumps(request, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(text.encode()).digest()


_CAPACITY_REPORTED: contextvars.ContextVar[bool] = contextvars.ContextVar("capacity_reported", default=True)


def _count_units_when_reported(module: Any) -> None:
    """Index write units are counted only inside a transaction that reports its capacity."""
    transact, index_units = module._transact_write_items, module._index_write_units

    def transact_write_items(data: dict[str, Any]) -> Any:
        reported = isinstance(data, dict) and data.get("ReturnConsumedCapacity", "NONE") != "NONE"
        token = _CAPACITY_REPORTED.set(reported)
        try:
            return transact(data)
        finally:
            _CAPACITY_REPORTED.reset(token)

    def index_write_units(*args: Any) -> Any:
        return index_units(*args) if _CAPACITY_REPORTED.get() else 0.0

    module._transact_write_items = transact_write_items
    module._index_write_units = index_write_units


def _memoize_number_sizes(module: Any) -> None:
    size = module._number_size_bytes
    by_text = functools.lru_cache(maxsize=1 << 16)(size)
    module._number_size_bytes = lambda text: by_text(text) if type(text) is str else size(text)


def patch_dynamodb(module: Any = None) -> None:
    """Install the five changes in ministack's DynamoDB module (idempotent)."""
    if module is None:
        from ministack.services import dynamodb  # type: ignore[import-untyped]

        module = dynamodb
    if getattr(module, "concert_patched", False):
        return
    module.copy = _JsonCopy()
    original = module._tokenize
    tokenize = functools.lru_cache(maxsize=4096)(lambda expr: tuple(original(expr)))
    module._tokenize = lambda expr: list(tokenize(expr))
    store = module._txn_token_store

    def store_digest(token: str, entry: dict[str, Any]) -> None:
        if isinstance(entry, dict) and "signature" in entry:
            entry = {**entry, "signature": RequestDigest(entry["signature"])}
        store(token, entry)

    module._txn_token_store = store_digest
    _memoize_number_sizes(module)
    _count_units_when_reported(module)
    module.concert_patched = True
