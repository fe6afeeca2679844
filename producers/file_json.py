"""JSON for uploads: a strict value parser and a splitter of JSON documents into rows.

`loads` refuses what the standard library would resolve silently: duplicate keys (last one
wins), numbers that a float would round (every number is kept exact: int or Decimal), NaN and
Infinity, lone surrogates, nesting deeper than MAX_DEPTH.

`json_rows` splits a document (an array of events, an object with an `events` array, or one
event object) into its elements' bytes without parsing the whole: it follows strings and
brackets only, so memory is one element, and an element that is broken (mismatched bracket,
a string running past its line, too deep, too large) is refused alone while the next ones
are still read. Only a break that hides where elements end (an unclosed string on a line
that holds later elements) can take those elements with it; they are then reported, not lost.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from producers.file_io import MAX_DEPTH, Readable, Window, too_large

MAX_NUMBER_CHARS = 64
Row = tuple[int, bytes | str]

_WS = re.compile(rb"[ \t\r\n]*+")
_RUN = re.compile(rb'[^"\[\]{}]*+')
_STR = re.compile(rb'[^"\\\n]*+')
_SCALAR = re.compile(rb'[^,:\[\]{}"\s]*+')
_BRACKETS = re.compile(r'"(?:[^"\\]++|\\.)*+"|[\[\]{}]')
_SURROGATE = re.compile(r"\\u[dD][89a-fA-F]")
_QUOTE, _NL, _BACKSLASH, _COMMA, _COLON = b'"\n\\,:'
_OPEN = {ord("["), ord("{")}
_OPENER = {ord("]"): ord("["), ord("}"): ord("{")}
_EOF = "not valid JSON: the file ends inside this element"
_BROKEN = "not valid JSON: a string runs past the end of its line"


class Refused(ValueError):
    """A JSON value that parsing would alter, drop or cannot bound."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise Refused(f"duplicate key {dup!r}")
    return obj


def _decimal(text: str) -> Decimal:
    if len(text) > MAX_NUMBER_CHARS:
        raise Refused(f"number {text[:16]}… is longer than {MAX_NUMBER_CHARS} characters")
    return Decimal(text)


def _integer(text: str) -> int:
    return int(_decimal(text)) if len(text) > MAX_NUMBER_CHARS else int(text)


def _constant(text: str) -> Any:
    raise Refused(f"{text} is not a JSON number")


def deeper_than(text: str, limit: int = MAX_DEPTH) -> bool:
    """True if arrays/objects in `text` nest more than `limit` levels."""
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for m in _BRACKETS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > limit:
                return True
        elif c in "]}":
            depth -= 1
    return False


def loads(text: str, *, depth_checked: bool = False) -> Any:
    """Parse one JSON value exactly; raise Refused or json.JSONDecodeError (both ValueError)."""
    if not depth_checked and deeper_than(text):
        raise Refused(f"nested deeper than {MAX_DEPTH} levels")
    value = json.loads(
        text, object_pairs_hook=_pairs, parse_float=_decimal, parse_int=_integer, parse_constant=_constant
    )
    if _SURROGATE.search(text):
        try:
            json.dumps(value, ensure_ascii=False, default=str).encode()
        except UnicodeEncodeError:
            raise Refused("a string holds a lone surrogate (\\uD800-\\uDFFF)") from None
    return value


def _string(w: Window) -> str | None:
    """Move past the string whose quote is at `pos`; a reason if it is broken."""
    w.pos += 1
    while True:
        c = w.skip(_STR)
        if c is None:
            return "not valid JSON: the file ends inside a string"
        if c == _QUOTE:
            w.pos += 1
            return None
        if c == _NL:
            return _BROKEN
        if len(w.peek(2)) < 2:
            return "not valid JSON: the file ends inside a string"
        if w.buf[w.pos + 1] == _NL:
            return _BROKEN
        w.pos += 2


def _value(w: Window) -> str | None:
    """Move past the value that starts at `pos`; a reason if it is broken."""
    c = w.buf[w.pos]
    if c == _QUOTE:
        return _string(w)
    if c not in _OPEN:
        if c in b",:]}":
            w.pos += 1
            return f"not valid JSON: unexpected {chr(c)!r}"
        w.skip(_SCALAR)
        return None
    stack = bytearray()
    depth, problem = 0, None
    while True:
        c = w.skip(_RUN)  # type: ignore[assignment]
        if c is None:
            return problem or _EOF
        if c == _QUOTE:
            if broken := _string(w):  # strings never span lines: the element ends with this one
                return problem or broken
            continue
        w.pos += 1
        if c in _OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                problem = problem or f"nested deeper than {MAX_DEPTH} levels"
            else:
                stack.append(c)
            continue
        if depth <= len(stack):
            if stack[-1] != _OPENER[c]:
                return problem or f"not valid JSON: {chr(c)!r} closes {chr(stack[-1])!r}"
            stack.pop()
        depth -= 1
        if depth == 0:
            return problem


def _captured(w: Window) -> bytes | str:
    """Scan the value at `pos`: its bytes, or why it is refused."""
    w.start_row()
    problem = _value(w)
    raw = w.end_row()
    return too_large() if raw is None else problem or raw


def _skip_token(w: Window, c: int) -> None:
    """Move past one token that cannot start an element (the rest of a broken one)."""
    if c == _QUOTE:
        _string(w)
    elif c in b",:]}":
        w.pos += 1
    else:
        w.skip(_SCALAR)


def _array(w: Window) -> Iterator[Row]:
    """Rows of the array whose `[` is at `pos`.

    After an element broken by a string running past its line, the rest of that element's
    lines are skipped, not counted, up to the next '{' or '[' (the next element's start).
    """
    w.pos += 1
    row, want_value, resync = 0, True, False
    while True:
        c = w.skip(_WS)
        if c is None:
            if not resync:
                yield 0, "not valid JSON: the file ends before the array is closed"
            return
        if resync and c not in _OPEN:
            _skip_token(w, c)
            continue
        if c == ord("]"):
            w.pos += 1
            return
        if c == _COMMA:
            w.pos += 1
            if want_value:
                row += 1
                yield row, "not valid JSON: empty element (a comma with no value before it)"
            want_value = True
            continue
        row += 1
        item = _captured(w)
        if not (want_value or resync or isinstance(item, str)):
            item = "not valid JSON: no comma before this element"
        yield row, item
        if isinstance(item, str) and "the file ends" in item:
            return
        want_value, resync = False, item == _BROKEN


def _object(w: Window) -> Iterator[Row]:
    """Rows of the top-level object at `pos`: its `events` array, or the object itself as row 1."""
    w.pos += 1
    members: list[bytes] = []
    size, problem, streamed = 0, None, False
    while True:
        c = w.skip(_WS)
        if c is None:
            yield (0 if streamed else 1), "not valid JSON: the file ends inside the top-level object"
            return
        w.pos += c in (_COMMA, ord("}"))
        if c == ord("}"):
            break
        if c == _COMMA:
            continue
        key = _captured(w)
        if w.skip(_WS) != _COLON or isinstance(key, str):
            yield (0 if streamed else 1), "not valid JSON: an object member without a valid key and ':'"
            return
        w.pos += 1
        if w.skip(_WS) is None:
            continue
        if key == b'"events"':
            if streamed or w.buf[w.pos] != ord("["):
                yield 0, "duplicate key 'events'" if streamed else "`events` must be an array"
                streamed = True
                _captured(w)
            else:
                streamed = True
                yield from _array(w)
            continue
        value = _captured(w)
        if isinstance(value, str):
            problem = problem or value
        else:
            members.append(key + b":" + value)
            size += len(members[-1]) + 1
    if not streamed:
        yield 1, problem or (too_large() if size > w.limit else b"{" + b",".join(members) + b"}")


def json_rows(stream: Readable) -> Iterator[Row]:
    """Each row's bytes (or why it is refused) of a JSON upload; row 0 is about the whole file."""
    w = Window(stream)
    c = w.skip(_WS)
    if c is None:
        yield 0, "file is not valid JSON: it is empty"
        return
    if c == ord("["):
        yield from _array(w)
    elif c == ord("{"):
        yield from _object(w)
    else:
        yield 0, "JSON file must hold an array of events or an object with an `events` array"
        return
    if w.skip(_WS) is not None:
        yield 0, "file is not valid JSON: data after the end of the top-level value"
