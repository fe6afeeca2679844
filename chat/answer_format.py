"""How the answer should look, said before or after the question ("Just the number: ...",
"One integer, no words: ...", "... - no commentary.", "Fill in the blank: ... ____ ..."), set
aside so the question is read alone. Pure.

A clause is set aside only when every word of it is a word about the answer's shape (numbers,
rows, decimals, "nothing else"); "Two columns, month and refund dollars, for Q1" names what the
columns hold, and is read as the measure by the first ("refund dollars by month, for Q1").
"""

from __future__ import annotations

import re

_SHAPE = frozenset(
    """
    just the a an number numbers figure figures value values only one two three four five six seven
    eight nine ten twelve integer integers decimal decimals place places no words word nothing else
    table rows row plain digits digit answer commentary comment text single exact to cent cents
    rounded round please reply with and whole bare raw format formatted explanation prose chatter
    name names date dates point for
    """.split()  # noqa: SIM905 - a lexicon is read best as prose
)
_FILL_IN = re.compile(
    r"^\s*(?:please\s+)?(?:fill in|complete)\s+(?:the\s+|both\s+|all\s+(?:the\s+)?)?(?:blanks?|gaps?)\s*:\s+",
    re.I,
)
# A blank where a figure goes is the answer asked for: after "$", before "%", before a measure
# ("____ tickets", "____ distinct customers"), "____ of them"; any other blank stands for a name,
# a period or a tier, which no figure answers, and is left as the word "blank" (not read).
_FIGURE_BLANK = re.compile(
    r"(?<=\$)\s?_{2,}|_{2,}(?=\s*%)"
    r"|(?<![\d,]\s)_{2,}(?=\s+(?:(?:distinct|different|unique|separate|more|fewer|vip|floor|upper|lower|balcony)\s+)?"
    r"(?:tickets?|tix|orders?|customers?|buyers?|concerts?|shows?|refunds?|dollars|venues|artists)\b)"
    r"|_{2,}(?=\s+of\s+(?:them|those)\b)"
    r"|(?:(?<=\bor )|(?<=\band )|(?<=\bvs ))_{2,}(?=\s+(?:in|for|at|on|during)\b)",  # "... or ____ in 2025"
    re.I,
)
_OPENING = re.compile(r"^\s*([^:;.!?]{1,60}?)\s*:\s+")
_CLOSING = re.compile(r"(?:(?<=\?)|[,;.]|\s+-+)\s+([^?,;.:-]{1,40}?)[.!]?\s*$")
_COLUMNS = re.compile(
    r"^\s*(?:\w+\s+)?columns?\s*[,:]\s*(?:the\s+)?(\w+)\s+(?:and|then)\s+(?:the\s+)?([\w$ ]+?)"
    r"\s*(?=,|:|\bfor\b|$)",
    re.I,
)


def _shape_only(clause: str) -> bool:
    words = re.findall(r"[a-z0-9']+", clause.lower())
    return bool(words) and set(words) <= _SHAPE


def set_aside(question: str) -> str:
    """The question without the clauses that only say how its answer should look."""
    out = _COLUMNS.sub(lambda m: f"{m[2]} by {m[1]}", question, count=1)
    out = _FILL_IN.sub("", out, count=1)  # "Fill in the blank: X sold ____ tickets"
    out = re.sub(r"_{2,}", " blank ", _FIGURE_BLANK.sub(" ", out))
    if (m := _OPENING.match(out)) and _shape_only(m[1]):
        out = out[m.end() :]
    if (m := _CLOSING.search(out)) and _shape_only(m[1]):
        out = out[: m.start()] + ("?" if out.rstrip().endswith("?") else "")
    return out.strip()
