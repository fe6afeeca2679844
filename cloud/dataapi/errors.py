"""DuckDB's error messages in Redshift's words (what a Data API caller matches on).

Pure. Each rule names the DuckDB message it recognises and the Redshift text it becomes; what no
rule knows keeps DuckDB's text after `ERROR: `, on one line.
"""

from __future__ import annotations

import re

from cloud.dataapi.ddl import DECLARED

_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Division by zero"), "division by zero"),
    (re.compile(r'Table with name "?([^" !]+)"? does not exist'), 'relation "{0}" does not exist'),
    (re.compile(r'Table with name "?([^" !]+)"? already exists'), 'relation "{0}" already exists'),
    (re.compile(r'Referenced column "([^"]+)" not found'), 'column "{0}" does not exist'),
    (re.compile(r'Column with name "?([^" ]+)"? does not exist'), 'column "{0}" does not exist'),
    (
        re.compile(r"(?:Scalar|Aggregate|Table) Function with name (\w+) does not exist"),
        "function {0} does not exist",
    ),
    (re.compile(r"NOT NULL constraint failed: \w+\.(\w+)"), "Cannot insert a NULL value into column {0}"),
    (re.compile(r"Could not convert string '([^']*)' to INT\d+"), 'invalid input syntax for integer: "{0}"'),
    (
        re.compile(r"Could not convert string '([^']*)' to (?:DOUBLE|FLOAT)"),
        'invalid input syntax for type numeric: "{0}"',
    ),
    (
        re.compile(r"Could not convert string '([^']*)' to DECIMAL"),
        'invalid input syntax for type numeric: "{0}"',
    ),
    (
        re.compile(r"(?:invalid date field format|Could not convert string) '([^']*)' to DATE", re.I),
        'invalid input syntax for type date: "{0}"',
    ),
    (
        re.compile(r"Could not convert string '([^']*)' to TIMESTAMP"),
        'invalid input syntax for type timestamp: "{0}"',
    ),
    (re.compile(r"Overflow|out of range", re.I), "numeric value out of range"),
]


def redshift_error(message: str) -> str:
    """The Redshift error text for a DuckDB error message (one line, `ERROR: ` first)."""
    text = " ".join(message.split())
    if text.startswith("ERROR:"):
        return text
    declared = DECLARED.search(text)
    if "CHECK constraint failed" in text and declared:
        return f"ERROR: value too long for type {declared.group(1)}({declared.group(2)})"
    for pattern, template in _RULES:
        found = pattern.search(text)
        if found:
            return "ERROR: " + template.format(*found.groups())
    return "ERROR: " + re.sub(r"^[A-Z][A-Za-z ]*Error: ", "", text)[:1_000]
