"""XML uploads read one child of the root at a time.

A lexical pass follows tags, comments, CDATA and quoted attributes (never text content) to
cut out each child of the root; only that child's bytes, at most one row, are parsed, by
defusedxml (entities and external references refused), inside the root's own start tag so
its namespaces apply. Nesting is bounded while scanning (a counter past MAX_DEPTH, nothing
built), an end tag that closes an outer element ends the unclosed ones, and a broken child is
refused alone while the next ones are still read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from producers.file_io import MAX_DEPTH, Readable, Window, too_large

XML_LIST_FIELDS = frozenset({"genres", "price_tiers"})
MAX_NAME = 256
Record = dict[str, Any] | str

_WS = re.compile(rb"[ \t\r\n]*+")
_TEXT = re.compile(rb"[^<]*+")
_DOCTYPE = re.compile(rb"[^\[\]>\"'<]*+")
_ATTRS = re.compile(rb"[^>\"'/]*+")
_NAME = re.compile(rb"[^\s/>!?<\"'=]*")
_QUOTED = {ord('"'): re.compile(rb'[^"]*+'), ord("'"): re.compile(rb"[^']*+")}
_SKIPS = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"), (b"<!", b">"))
_EOF = "the file ends inside this element"


class _Bad(ValueError):
    """A child whose content the record shape cannot hold without losing something."""


def _until(w: Window, end: bytes) -> bool:
    """Move past the next `end`; False if the file ends first."""
    first = re.compile(b"[^" + re.escape(end[:1]) + b"]*+")
    while True:
        if w.skip(first) is None:
            return False
        if w.peek(len(end)) == end:
            w.pos += len(end)
            return True
        w.pos += 1


def _doctype(w: Window) -> bool:
    """Move past a <!DOCTYPE ...> (its internal subset too); False if the file ends first."""
    in_subset = False
    while (c := w.skip(_DOCTYPE)) is not None:
        if c in _QUOTED:
            w.pos += 1
            if w.skip(_QUOTED[c]) is None:
                return False
        elif c == ord("<") and w.peek(4) == b"<!--":
            w.pos += 3
            if not _until(w, b"-->"):
                return False
            continue
        w.pos += 1
        in_subset = (c == ord("[")) or (in_subset and c != ord("]"))
        if c == ord(">") and not in_subset:
            return True
    return False


def _markup(w: Window) -> tuple[str, bytes]:
    """Move past the markup at `pos` (a '<'): (kind, tag name); kind 'eof' or 'bad' with a reason."""
    head = w.peek(9)
    if head == b"<!DOCTYPE":
        return ("other", b"") if _doctype(w) else ("eof", b"the file ends inside <!DOCTYPE")
    for start, end in _SKIPS:
        if head.startswith(start):
            w.pos += len(start)
            return ("other", b"") if _until(w, end) else ("eof", b"the file ends inside <!, <? or <![CDATA[")
    closing = head.startswith(b"</")
    w.pos += 1 + closing
    m = _NAME.match(w.peek(MAX_NAME + 1))
    name = m.group() if m else b""
    if not name or len(name) > MAX_NAME:
        return "bad", b"a '<' that starts no tag" if not name else b"a tag name is too long"
    w.pos += len(name)
    while (c := w.skip(_ATTRS)) is not None:
        w.pos += 1
        if c == ord(">"):
            return ("end" if closing else "start"), name
        if c == ord("/") and w.peek(1) == b">":
            w.pos += 1
            return "empty", name
        if c in _QUOTED:
            if w.skip(_QUOTED[c]) is None:
                break
            w.pos += 1
    return "eof", b"the file ends inside a tag"


def _element(w: Window, stack: list[bytes]) -> str | None:
    """Move past an element (its start tag at `pos`, or already read onto `stack`); why it is broken."""
    depth, problem = len(stack), None
    while True:
        if w.skip(_TEXT) is None:
            return problem or _EOF
        kind, name = _markup(w)
        if kind in ("eof", "bad"):
            problem = problem or name.decode()
            if kind == "eof":
                return problem
        elif kind == "start":
            depth += 1
            if depth > MAX_DEPTH:
                problem = problem or f"nested deeper than {MAX_DEPTH} levels"
            else:
                stack.append(name)
        elif kind == "end":
            if depth > len(stack):
                depth -= 1
            elif name in stack:
                i = len(stack) - 1 - stack[::-1].index(name)
                if i != len(stack) - 1:
                    problem = problem or f"<{stack[-1].decode(errors='replace')}> is not closed"
                depth -= len(stack) - i
                del stack[i:]
            else:
                problem = problem or f"unexpected </{name.decode(errors='replace')}>"
        if depth == 0:
            return problem


def _value(el: Element) -> Any:
    children = list(el)
    text = (el.text or "").strip()
    if el.attrib:
        raise _Bad(f"<{el.tag}> has attributes ({', '.join(el.attrib)}), which are not read")
    if not children:
        return text
    if text or any((c.tail or "").strip() for c in children):
        raise _Bad(f"<{el.tag}> mixes text and elements")
    tags = [c.tag for c in children]
    if el.tag in XML_LIST_FIELDS or (len(set(tags)) == 1 and len(children) > 1):
        return [_value(c) for c in children]
    return _members(el.tag, children, {})


def _members(tag: str, children: list[Element], out: dict[str, Any]) -> dict[str, Any]:
    for c in children:
        if c.tag in out:
            raise _Bad(f"<{c.tag}> is repeated in <{tag}>")
        out[c.tag] = _value(c)
    return out


def _record(el: Element) -> Record:
    """An <event> as a record: attributes (`type` is the event type) and children as fields."""
    if el.tag != "event":
        return f"expected <event>, found <{el.tag}>"
    names = ["event_type" if k == "type" else k for k in el.attrib]
    if len(set(names)) != len(names):
        return "both `type` and `event_type` attributes"
    try:
        if (el.text or "").strip() or any((c.tail or "").strip() for c in el):
            raise _Bad("<event> mixes text and elements")
        return _members("event", list(el), dict(zip(names, el.attrib.values(), strict=True)))
    except _Bad as err:
        return str(err)


def _parse(decl: bytes, root: tuple[bytes, bytes] | None, raw: bytes) -> Record:
    doc = decl + (root[0] + raw + b"</" + root[1] + b">" if root else raw)
    try:
        top = SafeET.fromstring(doc)
    except (SafeET.ParseError, DefusedXmlException) as err:
        return f"not valid XML: {err}"
    return _record(top[0] if root else top)


def _prolog(w: Window) -> tuple[bytes, bytes, tuple[str, bytes, bytes] | str]:
    """Read up to the root's start tag: (declaration, whole prolog, (kind, name, tag bytes) or reason)."""
    decl, prolog = b"", b""
    while (c := w.skip(_WS)) is not None:
        if c != ord("<"):
            return decl, prolog, "text before the root element"
        w.start_row()
        kind, name = _markup(w)
        raw = w.end_row()
        if kind in ("eof", "bad") or raw is None or len(prolog) > w.limit:
            return decl, prolog, name.decode() if kind in ("eof", "bad") else too_large()
        if kind != "other":
            return decl, prolog, (kind, name, raw)
        decl += raw if raw.startswith(b"<?xml ") and not prolog else b""
        prolog += raw
    return decl, prolog, "no root element"


def xml_records(stream: Readable) -> Iterator[tuple[int, Record]]:
    """Each child of the root as a record (or why it is refused); row 0 is about the whole file."""
    w = Window(stream)
    decl, prolog, root = _prolog(w)
    if isinstance(root, str) or root[0] == "end":
        yield 0, f"file is not valid XML: {root if isinstance(root, str) else 'it starts with an end tag'}"
        return
    try:
        SafeET.fromstring(prolog + b"<r/>")
    except (SafeET.ParseError, DefusedXmlException) as err:
        yield 0, f"file is not valid XML: {err!r}"
        return
    kind, name, start = root
    if name == b"event":
        w.start_row()
        problem = _element(w, [name]) if kind == "start" else None
        raw = w.end_row()
        yield 1, problem or (too_large() if raw is None else _parse(decl, None, start + raw))
        return
    row = 0
    while kind == "start":  # children of the root, until its end tag
        if w.skip(_TEXT) is None:
            yield 0, f"the file ends before </{name.decode(errors='replace')}>"
            return
        if w.peek(2) in (b"</", b"<!", b"<?"):
            k, n = _markup(w)
            if k == "end" and n == name:
                break
            if k in ("eof", "bad", "end"):
                text = n.decode(errors="replace")
                yield 0, f"unexpected </{text}>" if k == "end" else text
            if k == "eof":
                return
            continue
        row += 1
        w.start_row()
        problem = _element(w, [])
        raw = w.end_row()
        yield row, problem or (too_large() if raw is None else _parse(decl, (start, name), raw))
        if problem == _EOF:
            return
    while (c := w.skip(_WS)) == ord("<") and w.peek(2) in (b"<!", b"<?"):
        _markup(w)
    if c is not None:
        yield 0, "file is not valid XML: data after the root element"
