"""Redshift's TO_CHAR as DuckDB expressions: datetime patterns (`Mon`, `MONTH`, `FMDD`, `HH12`,
`Q`, `D`, ...) and numeric formats (`9,999.99`, `FM999.99`). Pure: sqlglot trees."""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp

_NUMERIC_FORMAT = re.compile(r"(?i)(FM)?[9 0,.$DGSLMIPR+\-]*")
_PAD9 = 9  # Month and Day names are blank-padded to nine characters unless FM says not to
# Datetime pattern -> (strftime piece, case, padded); longest patterns first.
_PATTERNS: list[tuple[str, str, str, bool]] = [
    ("HH24", "%H", "", False),
    ("HH12", "%I", "", False),
    ("MONTH", "%B", "upper", True),
    ("Month", "%B", "", True),
    ("month", "%B", "lower", True),
    ("YYYY", "%Y", "", False),
    ("DDD", "%j", "", False),
    ("DAY", "%A", "upper", True),
    ("Day", "%A", "", True),
    ("day", "%A", "lower", True),
    ("MON", "%b", "upper", False),
    ("Mon", "%b", "", False),
    ("mon", "%b", "lower", False),
    ("YY", "%y", "", False),
    ("MM", "%m", "", False),
    ("MI", "%M", "", False),
    ("SS", "%S", "", False),
    ("MS", "%g", "", False),
    ("US", "%f", "", False),
    ("DD", "%d", "", False),
    ("DY", "%a", "upper", False),
    ("Dy", "%a", "", False),
    ("dy", "%a", "lower", False),
    ("HH", "%I", "", False),
    ("AM", "%p", "", False),
    ("PM", "%p", "", False),
    ("IW", "%V", "", False),
]
_UNPADDED = {"%H": "%-H", "%I": "%-I", "%m": "%-m", "%d": "%-d", "%M": "%-M", "%S": "%-S", "%j": "%-j"}


def to_char(value: exp.Expr, fmt: str) -> exp.Expr:
    """TO_CHAR(value, 'format') with Redshift's datetime or numeric format patterns."""
    if any(c in fmt for c in "90") and _NUMERIC_FORMAT.fullmatch(fmt):
        return _number_to_char(value, fmt)
    parts: list[exp.Expr] = []
    run = ""  # consecutive strftime pieces, one STRFTIME call

    def flush() -> None:
        nonlocal run
        if run:
            parts.append(exp.Anonymous(this="STRFTIME", expressions=[value.copy(), exp.Literal.string(run)]))
            run = ""

    i, fill = 0, True
    while i < len(fmt):
        if fmt.startswith("FM", i):
            fill, i = False, i + 2
            continue
        if fmt[i] == '"':
            end = fmt.find('"', i + 1)
            end = len(fmt) if end < 0 else end
            run += fmt[i + 1 : end].replace("%", "%%")
            i = end + 1
            continue
        match = next((p for p in _PATTERNS if fmt.startswith(p[0], i)), None)
        if match is None:
            if fmt[i] in "QD":
                flush()
                fn = "QUARTER" if fmt[i] == "Q" else "DAYOFWEEK"
                num: exp.Expr = exp.Anonymous(this=fn, expressions=[value.copy()])
                if fmt[i] == "D":  # Redshift counts Sunday as 1
                    num = exp.Add(this=num, expression=exp.Literal.number(1))
                parts.append(exp.cast(num, "VARCHAR"))
            else:
                run += "%%" if fmt[i] == "%" else fmt[i]
            i += 1
            continue
        pattern, piece, case, padded = match
        piece = piece if fill else _UNPADDED.get(piece, piece)
        if not case and not (padded and fill):
            run += piece
        else:
            flush()
            part: exp.Expr = exp.Anonymous(
                this="STRFTIME", expressions=[value.copy(), exp.Literal.string(piece)]
            )
            if case:
                part = exp.Upper(this=part) if case == "upper" else exp.Lower(this=part)
            if padded and fill:
                part = exp.Anonymous(
                    this="RPAD", expressions=[part, exp.Literal.number(_PAD9), exp.Literal.string(" ")]
                )
            parts.append(part)
        fill = True
        i += len(pattern)
    flush()
    if not parts:
        return exp.Literal.string("")
    out = parts[0]
    for part in parts[1:]:
        out = exp.DPipe(this=out, expression=part)
    return out


def _number_to_char(value: exp.Expr, fmt: str) -> exp.Expr:
    """Numeric TO_CHAR: digits after the decimal point as the format has them, thousands
    separators for `,` or `G`, a leading blank for the sign unless FM."""
    body = fmt[2:] if fmt.upper().startswith("FM") else fmt
    point = max(body.find("."), body.upper().find("D"))
    decimals = sum(c in "90" for c in body[point + 1 :]) if point >= 0 else 0
    group = "," if ("," in body or "G" in body.upper()) else ""
    text = sqlglot.parse_one(f"format('{{:{group}.{decimals}f}}', CAST(__v__ AS DOUBLE))", read="duckdb")
    for placeholder in list(text.find_all(exp.Column)):
        placeholder.replace(value.copy())
    if fmt.upper().startswith("FM"):  # no padding; decimal places written as 9 drop trailing zeros
        nines = point >= 0 and set(body[point + 1 :]) <= {"9"}
        return exp.Anonymous(this="RTRIM", expressions=[text, exp.Literal.string("0")]) if nines else text
    width = sum(c in "90,.DGdg" for c in body) + 1
    return exp.Anonymous(this="LPAD", expressions=[text, exp.Literal.number(width), exp.Literal.string(" ")])
