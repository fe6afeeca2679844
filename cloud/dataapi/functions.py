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

from cloud.dataapi.to_char import to_char

Schema = Mapping[str, Mapping[str, str]]


# GETDATE(): the statement's time in UTC, whole seconds, TIMESTAMP (no time zone), as Redshift's.
_GETDATE = "CAST(DATE_TRUNC('second', CURRENT_TIMESTAMP AT TIME ZONE 'UTC') AS TIMESTAMP)"


def _kept(name: str) -> Any:
    return lambda args: exp.Anonymous(this=name, expressions=args)


def _date_part(parser: Any) -> exp.Expr:
    """DATE_PART as sqlglot parses it (an EXTRACT), marked: Redshift's is a DOUBLE PRECISION."""
    node: exp.Expr = parser._parse_date_part()
    node.meta["date_part"] = True
    return node


class LocalRedshift(Redshift):
    """Redshift as sqlglot reads it, with TO_CHAR, GETDATE, STRTOL and OCTET_LENGTH kept as
    written and DATE_PART told from EXTRACT."""

    class Parser(RedshiftParser):
        FUNCTIONS = {
            **RedshiftParser.FUNCTIONS,
            "TO_CHAR": _kept("TO_CHAR"),
            "GETDATE": _kept("GETDATE"),
            "STRTOL": _kept("STRTOL"),
            "OCTET_LENGTH": _kept("OCTET_LENGTH"),
        }
        FUNCTION_PARSERS = {**RedshiftParser.FUNCTION_PARSERS, "DATE_PART": _date_part}


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
        elif name == "IS_VALID_JSON" and len(args) == 1:
            node.replace(exp.Anonymous(this="JSON_VALID", expressions=[args[0]]))
        elif name == "IS_VALID_JSON_ARRAY" and len(args) == 1:
            node.replace(
                _template("COALESCE(JSON_VALID(__j__) AND JSON_TYPE(__j__) = 'ARRAY', FALSE)", j=args[0])
            )
        elif name == "JSON_EXTRACT_ARRAY_ELEMENT_TEXT" and len(args) == 2:
            node.replace(
                _template("JSON_EXTRACT_STRING(__j__, CAST(__n__ AS INTEGER))", j=args[0], n=args[1])
            )
        elif name == "OCTET_LENGTH" and len(args) == 1:  # bytes of the text: DuckDB's takes BLOBs only
            node.replace(exp.Anonymous(this="STRLEN", expressions=[args[0]]))
    for extract in list(tree.find_all(exp.Extract)):
        if extract.meta.get("date_part"):
            extract.replace(exp.cast(extract.copy(), "DOUBLE"))
    for func in list(tree.find_all(exp.LastDay, exp.StrToTime)):
        if isinstance(func, exp.LastDay) and isinstance(func.this, exp.Literal) and func.this.is_string:
            func.set("this", exp.cast(func.this.copy(), "DATE"))  # a date written as text: cast, as Redshift
        elif isinstance(func, exp.StrToTime) and not isinstance(func.parent, exp.Cast):
            func.replace(exp.cast(func.copy(), "TIMESTAMPTZ"))  # TO_TIMESTAMP is a TIMESTAMPTZ
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
    targets = [n for n in tree.find_all(exp.Avg, exp.Trunc, exp.Div, bfs=False) if _needs_type(n)]
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
    seen = [n for n in typed.find_all(exp.Avg, exp.Trunc, exp.Div, bfs=False) if _needs_type(n)]
    if len(seen) != len(targets):
        return tree
    for node, twin in zip(targets, seen, strict=True):
        kind = twin.this.type
        if kind is None:
            continue
        if isinstance(node, exp.Div):
            _integer_division(node, kind, twin.expression.type)
            _decimal_division(node, kind, twin.expression.type)
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
    return isinstance(node, exp.Avg | exp.Div) or (
        isinstance(node, exp.Trunc) and node.args.get("decimals") is None
    )


_INT_DIGITS = {exp.DataType.Type.SMALLINT: 5, exp.DataType.Type.INT: 10, exp.DataType.Type.BIGINT: 19}


def _decimal_digits(kind: exp.DataType | None) -> tuple[int, int] | None:
    """(precision, scale) of a DECIMAL, or of an integer as Redshift widens it; None otherwise."""
    if kind is None:
        return None
    if kind.this in _INT_DIGITS:
        return _INT_DIGITS[kind.this], 0
    if kind.this == exp.DataType.Type.DECIMAL and len(kind.expressions) == 2:
        precision, scale = (e.name for e in kind.expressions)
        return (int(precision), int(scale)) if precision.isdigit() and scale.isdigit() else None
    return None


def _integer_division(node: exp.Div, left: exp.DataType, right: exp.DataType | None) -> None:
    """Integers divided have the wider operand's type (Redshift: INT2 / INT4 is an INT4); DuckDB
    keeps a SMALLINT column's type when the other side is a literal that fits it."""
    first, second = _INT_DIGITS.get(left.this), _INT_DIGITS.get(right.this) if right else None
    if first is None or second is None or first == second or 5 not in (first, second):
        return
    wider = "INT" if max(first, second) == 10 else "BIGINT"
    node.replace(exp.cast(node.copy(), wider))


def _decimal_division(node: exp.Div, left: exp.DataType, right: exp.DataType | None) -> None:
    """A division with a DECIMAL operand has Redshift's DECIMAL result: scale
    max(4, s1 + p2 - s2 + 1), precision p1 - s1 + s2 + scale (38 at most); DuckDB's is a DOUBLE."""
    first, second = _decimal_digits(left), _decimal_digits(right)
    decimal = exp.DataType.Type.DECIMAL
    if first is None or second is None or decimal not in (left.this, right.this if right else None):
        return
    (p1, s1), (p2, s2) = first, second
    scale = min(38, max(4, s1 + p2 - s2 + 1))
    precision = min(38, max(scale, p1 - s1 + s2 + scale))
    quotient = exp.Div(this=exp.cast(node.this.copy(), "DOUBLE"), expression=node.expression.copy())
    node.replace(exp.cast(quotient, f"DECIMAL({precision}, {scale})"))
