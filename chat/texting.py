"""Words written as a text message writes them, vowels dropped ("hw mny tix sld lst wk"), read
as the words. Pure.

A small vocabulary of the common forms, whole lowercase words only (a capitalised word may be a
name's); "4" is "for" only before a word that cannot be counted ("rev 4 both").
"""

from __future__ import annotations

import re

_WORDS = {
    "hw": "how", "mny": "many", "mch": "much", "sld": "sold", "lst": "last", "ths": "this",
    "nxt": "next", "mth": "month", "mths": "months", "wk": "week", "wks": "weeks", "yr": "year",
    "yrs": "years", "qtr": "quarter", "qtrs": "quarters", "pr": "per", "hd": "had", "hv": "have",
    "artsts": "artists", "artst": "artist", "vnue": "venue", "vnues": "venues", "vnu": "venue",
    "vnus": "venues", "cty": "city", "cties": "cities", "mob": "mobile", "wht": "what", "whch": "which",
    "twn": "town", "tht": "that", "u": "you", "r": "are", "ur": "your", "b4": "before", "ppl": "people",
    "shws": "shows", "cncrts": "concerts", "ordrs": "orders", "cstmrs": "customers", "rfnds": "refunds",
    "rfnd": "refund", "tot": "total", "cnt": "count", "btwn": "between",
    "frm": "from", "bst": "best", "wrst": "worst", "n": "and",
}  # fmt: skip
_WORD = re.compile(r"(?<![\w'$-])(" + "|".join(sorted(_WORDS, key=len, reverse=True)) + r")(?![\w'-])")
_FOR = re.compile(r"(?<=[a-z] )4(?= (?:both|all|each|every|them|that|those|it|me|us|him|her)\b)")


def expand(text: str) -> str:
    """The text with texting's short forms as the words."""
    return _FOR.sub("for", _WORD.sub(lambda m: _WORDS[m[1]], text))
