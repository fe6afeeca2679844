"""A question passed on from someone else ("FW: ...", "Forwarding Dana's question below: > ...",
"Fwd from finance: 'what was ...?' Could you reply?"), reduced to the question itself. Pure.

Only a message that says it relays one (fw/fwd, forwarded, below, thread, replied, wrote, is
asking) is reduced: to the text quoted in it, or after an e-mail quote mark ("> "); else the
relay's markers are dropped ("FW:", "See thread below -") and a named sender's "X needs" with them.
"""

from __future__ import annotations

import re

_RELAY = re.compile(
    r"^\s*(?:fwd?|re)\s*:|\b(?:fwd?|forward(?:ed|ing)?|below|thread|e-?mail|replied|wrote|writes"
    r"|(?:is |'s )?asking|asks|says|said)\b",
    re.I,
)
# a quoted text: opened after a space or colon, closed before a space or a mark; an apostrophe
# inside a word ("last month's") does not close it
_QUOTED = re.compile(
    r"(?:^|(?<=[\s:(>]))['\"\u2018\u201c]((?:[^'\"\u2019\u201d]|['\u2019](?=[a-z]))+?)['\"\u2019\u201d]"
    r"(?=$|[\s.,;:!?)-])",
    re.I,
)
_EMAIL_QUOTE = re.compile(r"(?:^|\s)>\s*(.+)$", re.S)
_MARKERS = re.compile(
    r"^\s*(?:(?:fwd?|re)\s*:\s*)+|^\s*(?:see|per) (?:the )?(?:thread|e-?mail|message|note) below\s*[-:,]+\s*",
    re.I,
)
# "..., she says.", "Last one from her: ...": who relays it, around the question
_RELAYED_BY = re.compile(
    r",?\s*\b(?:s?he|they|[A-Z][a-z]+) (?:says|said|asks|adds|wants to know)\s*[.!]?\s*$"
    r"|^\s*(?:(?:the )?(?:last|final|next|another|one more) (?:one|question) )?"
    r"from (?:her|him|them|[A-Z][a-z]+)\s*:\s*",
)
_SENDER_NEEDS = re.compile(
    r"^\s*[A-Z][a-z]+ (?:needs|wants|is asking for|asks for|would like|requests)\s+", re.I
)


def reduce(message: str) -> str:
    """The relayed question alone; a message that relays none is returned as it is."""
    if not _RELAY.search(message):
        return message
    quoted = [str(m[1]) for m in _QUOTED.finditer(message) if len(m[1].split()) >= 2]
    if quoted:
        return max(quoted, key=len).strip()
    if m := _EMAIL_QUOTE.search(message):
        return m[1].strip()
    out = _RELAYED_BY.sub("", _MARKERS.sub("", message))
    return _SENDER_NEEDS.sub("", out) if out != message else out
