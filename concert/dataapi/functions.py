"""Redshift functions whose DuckDB spelling or meaning differs, rewritten on the parsed tree.

Pure. `LocalRedshift` is sqlglot's Redshift dialect with the functions sqlglot maps to a DuckDB
function that means something else kept as written (TO_CHAR, GETDATE, STRTOL); `rewrite`
turns them, and RATIO_TO_REPORT, LISTAGG(DISTINCT ...) WITHIN GROUP, AVG and TRUNC, into
DuckDB expressions with Redshift's answers. AVG and TRUNC depend on their argument's type: the
tree is typed against the warehouse's catalog (`schema`), and left as written when it cannot be.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.optimizer.annotate_types import annotate_types
from sqlglot.optimizer.qualify import qualify
from sqlglot.parsers.redshift import RedshiftParser

Schema = Mapping[str, Mapping[str, str]]


# GETDATE(): the statement's time in UTC, whole seconds, TIMESTAMP (no time zone), as Redshift's.
_GETDATE = "CAST(DATE_TRUNC('second', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS TIMESTAMP)"


def _kept(name: str) -> Any:
    return lambda args: exp.Anonymous(this=name, expressions=args)


class LocalRedshift(Redshift):
    """Redshift as sqlglot reads it, with TO_CHAR, GETDATE and STRTOL kept as written."""

    class Parser(RedshiftParser):
        FUNCTIONS = {
            **RedshiftParser.FUNCTIONS,
            "TO_CHAR": _kept("TO_CHAR"),
            "GETDATE": _kept("GETDATE"),
            "STRTOL": _kept("STRTOL"),
        }


def _template(sql: str, **args: exp.Expr) -> exp.Expr:
    """A DuckDB expression with `__name__` columns replaced by the given trees."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for col in list(tree.find_all(exp.Column)):
        if col.name.startswith("__") and col.name.strip("_") in args:
            col.replace(args[col.name.strip("_")].copy())
    return tree


def rewrite(tree: exp.Expr, schema: Schema | None = None) -> exp.Expr:
    """Every Redshift function of `tree` that DuckDB would answer differently, rewritten."""
    for node in list(tree.find_all(exp.Anonymous)):
        name = node.name.upper()
        args = node.expressions
        if name == "GETDATE" and not args:
            node.replace(_template(_GETDATE))
        elif name == "STRTOL" and len(args) == 2:
            node.replace(_strtol(args[0], args[1]))
        elif name == "TO_CHAR" and len(args) == 2 and isinstance(args[1], exp.Literal) and args[1].is_string:
            node.replace(to_char(args[0], args[1].name))
    for window in list(tree.find_all(exp.Window)):
        fn = window.this
        if isinstance(fn, exp.Anonymous) and fn.name.upper() == "RATIO_TO_REPORT" and fn.expressions:
            total = window.copy()
            total.set("this", exp.Sum(this=fn.expressions[0].copy()))
            total.set("order", None)
            window.replace(exp.Div(this=exp.cast(fn.expressions[0].copy(), "DOUBLE"), expression=total))
    for group in list(tree.find_all(exp.WithinGroup)):
        _listagg_distinct(group)
    for insert in tree.find_all(exp.Insert):
        _merge_insert_values(insert)
    for similar in tree.find_all(exp.SimilarTo):
        pattern = similar.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            similar.set("expression", exp.Literal.string(_similar_regex(pattern.name)))
    for cast in list(tree.find_all(exp.Cast)):
        _cut_to_length(cast)
    return _typed(tree, schema or {})


def _merge_insert_values(insert: exp.Insert) -> None:
    """MERGE's `WHEN NOT MATCHED THEN INSERT VALUES (...)` (no column list), which sqlglot reads
    as a call of a function named VALUES."""
    target = insert.this
    if not isinstance(insert.parent, exp.When) or not isinstance(target, exp.Tuple):
        return
    call = target.expressions[0] if len(target.expressions) == 1 else None
    if isinstance(call, exp.Anonymous) and call.name.upper() == "VALUES":
        insert.set("this", None)
        insert.set("expression", exp.Tuple(expressions=[e.copy() for e in call.expressions]))


def _similar_regex(pattern: str) -> str:
    """A SIMILAR TO pattern as the regular expression DuckDB matches in full: `%` any text, `_`
    one character, `.` itself; the rest (`|`, `*`, `+`, `?`, groups, classes) as in a regex."""
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append({"%": ".*", "_": ".", ".": "\\."}.get(c, c))
        i += 1
    return "".join(out)


def _cut_to_length(cast: exp.Cast) -> None:
    """An explicit cast to VARCHAR(n) or CHAR(n) cuts the value to n characters, as Redshift's
    does, where DuckDB ignores the length."""
    kind = cast.to
    types = exp.DataType.Type
    if kind.this not in (types.VARCHAR, types.CHAR, types.NVARCHAR, types.NCHAR) or not kind.expressions:
        return
    size = kind.expressions[0]
    text = size.name if isinstance(size, exp.DataTypeParam | exp.Literal) else ""
    if text.isdigit():
        plain = exp.cast(cast.this.copy(), "VARCHAR")
        cast.replace(exp.Anonymous(this="LEFT", expressions=[plain, exp.Literal.number(int(text))]))


def _strtol(text: exp.Expr, base: exp.Expr) -> exp.Expr:
    """STRTOL(text, base): the digits (an optional sign, a 0x prefix in base 16) as a BIGINT."""
    return _template(
        "CASE WHEN __s__ IS NULL OR __b__ IS NULL THEN NULL ELSE "
        "(CASE WHEN ltrim(__s__) LIKE '-%' THEN -1 ELSE 1 END) * list_reduce("
        "list_transform(string_split(regexp_replace(lower(ltrim(ltrim(__s__), '+-')), "
        "CASE WHEN __b__ = 16 THEN '^0x' ELSE '^$' END, ''), ''), "
        "lambda c: instr('0123456789abcdefghijklmnopqrstuvwxyz', c) - 1), "
        "lambda acc, d: acc * __b__ + d, CAST(0 AS BIGINT)) END",
        s=text,
        b=base,
    )


def _listagg_distinct(group: exp.WithinGroup) -> None:
    """LISTAGG(DISTINCT x, sep) WITHIN GROUP (ORDER BY x): DuckDB refuses DISTINCT with ORDER BY
    in a string aggregate; the distinct values are sorted as a list and joined instead."""
    agg, order = group.this, group.expression
    if not isinstance(agg, exp.GroupConcat) or not isinstance(agg.this, exp.Distinct):
        return
    values = agg.this.expressions
    keys = order.expressions if isinstance(order, exp.Order) else []
    if len(keys) != 1 or not values or keys[0].this != values[0]:
        return
    sep = values[1] if len(values) > 1 else exp.Literal.string("")
    direction = "DESC" if keys[0].args.get("desc") else "ASC"
    group.replace(
        _template(
            f"array_to_string(list_sort(list_distinct(list(__x__)), '{direction}'), __sep__)",
            x=values[0],
            sep=sep,
        )
    )


def _typed(tree: exp.Expr, schema: Schema) -> exp.Expr:
    """AVG of integers is a truncated BIGINT and of DECIMAL(p, s) a DECIMAL(38, s); TRUNC of a
    timestamp is its date. Types come from the tree typed against `schema`."""
    targets = [n for n in tree.find_all(exp.Avg, exp.Trunc, bfs=False) if _needs_type(n)]
    if not targets:
        return tree
    try:
        typed = qualify(
            tree.copy(),
            schema=dict(schema),
            dialect=LocalRedshift,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        typed = annotate_types(typed, schema=dict(schema), dialect=LocalRedshift)
    except Exception:
        return tree
    seen = [n for n in typed.find_all(exp.Avg, exp.Trunc, bfs=False) if _needs_type(n)]
    if len(seen) != len(targets):
        return tree
    for node, twin in zip(targets, seen, strict=True):
        kind = twin.this.type
        if kind is None:
            continue
        if isinstance(node, exp.Trunc) and kind.is_type(*exp.DataType.TEMPORAL_TYPES):
            node.replace(exp.cast(node.this.copy(), "DATE"))
        elif isinstance(node, exp.Avg):
            outer = node.parent if isinstance(node.parent, exp.Window) else node
            if kind.is_type(*exp.DataType.INTEGER_TYPES):
                outer.replace(exp.cast(exp.Trunc(this=outer.copy()), "BIGINT"))
            elif kind.is_type(exp.DataType.Type.DECIMAL):
                scale = kind.expressions[1].name if len(kind.expressions) > 1 else "0"
                outer.replace(exp.cast(outer.copy(), f"DECIMAL(38, {scale})"))
    return tree


def _needs_type(node: exp.Expr) -> bool:
    return isinstance(node, exp.Avg) or (isinstance(node, exp.Trunc) and node.args.get("decimals") is None)


# -- TO_CHAR -------------------------------------------------------------------------------

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
    text = _template(f"format('{{:{group}.{decimals}f}}', CAST(__v__ AS DOUBLE))", v=value)
    if fmt.upper().startswith("FM"):  # no padding; decimal places written as 9 drop trailing zeros
        nines = point >= 0 and set(body[point + 1 :]) <= {"9"}
        return exp.Anonymous(this="RTRIM", expressions=[text, exp.Literal.string("0")]) if nines else text
    width = sum(c in "90,.DGdg" for c in body) + 1
    return exp.Anonymous(this="LPAD", expressions=[text, exp.Literal.number(width), exp.Literal.string(" ")])
