"""A question written as a test's Given/When/Then ("Given Tuesday sales in 2025, when summing
quantity, then the expected ticket total is?"), read as the question it stands for: the Then's
figure, of the Given's rows, the When's step as the measure it computes. Pure.

Only the steps this module knows are read ("summing quantity" is tickets, "summing quantity times
unit_price" revenue, "counting rows" a count of the rows the Then names); a When it does not know
stays as words, so the planner reports it rather than answering without it.
"""

from __future__ import annotations

import re

_GHERKIN = re.compile(
    r"^\s*given (?P<given>.+?)(?:,?\s+when (?P<when>.+?))?,?\s+then (?:the )?(?:expected )?(?P<then>.+?)"
    r"(?:\s+(?:is|are|should be))?\s*\??\s*$",
    re.I,
)
_STEPS = (  # the When, as the measure the Then's words already name or as that measure
    (re.compile(r"^summing (?:the )?quantity (?:times|x|\*) (?:the )?unit_?price$", re.I), "revenue"),
    (re.compile(r"^summing (?:the )?quantit(?:y|ies)$", re.I), "tickets"),
    (re.compile(r"^counting (?:the )?rows$", re.I), ""),
)


def read(text: str) -> str:
    """The question a Given/When/Then in `text` asks, or `text` unchanged."""
    m = _GHERKIN.match(text)
    if m is None:
        return text
    when = (m["when"] or "").strip()
    measure = when
    for pattern, said in _STEPS:
        if pattern.match(when):
            measure = said
            break
    then = m["then"].strip().rstrip("?")
    extra = f" ({measure})" if measure and measure not in then else ""
    return f"{then} for {m['given'].strip()}{extra}?"
