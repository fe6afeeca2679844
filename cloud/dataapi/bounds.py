"""Bounds on the values one statement can build, applied to its syntax tree before it runs.

DuckDB evaluates a scalar call in one piece: `repeat('x', 2000000000)` allocates 2 GB outside
the memory limit and cannot be interrupted until it returns. Redshift caps a VARCHAR at 65,535
bytes, so the string builders get a guard that fails the row the way Redshift would before the
value is built; DuckDB's list builders and format strings, which Redshift does not have, are
refused. Pure: sqlglot trees in, sqlglot trees out.
"""

from __future__ import annotations

from sqlglot import exp

VARCHAR_MAX = 65_535
SERIES_MAX = 10_000_000
MAX_BUILDERS, MAX_NESTING = 64, 4  # each guard repeats its arguments: keep the rewrite small
_BUILDERS = (exp.Repeat, exp.Space, exp.Pad, exp.Replace, exp.RegexpReplace)
TOO_LONG = f"value too long for type character varying({VARCHAR_MAX})"
_REFUSED = frozenset(
    {"range", "generate_series", "printf", "format", "replicate", "array_fill", "list_resize"}
)
_REFUSED_PREFIXES = ("list_", "array_")


class Refused(ValueError):
    """A statement the local endpoint will not run; the message says why, in one line."""


_WRITES = (exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Copy)


def _op(kind: type[exp.Binary], left: exp.Expr, right: exp.Expr) -> exp.Expr:
    """`(left) kind (right)`: trees built here are not re-parsed, so operands get parentheses."""
    node = kind(this=exp.paren(left, copy=False), expression=exp.paren(right, copy=False))
    return exp.paren(node, copy=False)


def _int(e: exp.Expr) -> exp.Expr:
    return exp.cast(e.copy(), exp.DataType.build("BIGINT"))


def _guard(too_big: exp.Expr, value: exp.Expr) -> exp.Expr:
    """`CASE WHEN too_big THEN error(TOO_LONG) ELSE value END`: the value is never built."""
    fail = exp.Anonymous(this="error", expressions=[exp.Literal.string(TOO_LONG)])
    return exp.Case(ifs=[exp.If(this=too_big, true=fail)], default=value)


def _len(e: exp.Expr) -> exp.Expr:
    return exp.Coalesce(this=exp.Length(this=e.copy()), expressions=[exp.Literal.number(0)])


def _over(size: exp.Expr) -> exp.Expr:
    return _op(exp.GT, size, exp.Literal.number(VARCHAR_MAX))


def _is_table_source(node: exp.Expr) -> bool:
    return isinstance(node.parent, exp.Table | exp.From | exp.Join) or isinstance(node, exp.Table)


def _bound(node: exp.Expr) -> exp.Expr:
    if isinstance(node, exp.Lambda):
        raise Refused("lambda functions are not supported")
    if isinstance(node, exp.Format) or (
        isinstance(node, exp.Anonymous)
        and (node.name.lower() in _REFUSED or node.name.lower().startswith(_REFUSED_PREFIXES))
        and not _is_table_source(node)
    ):
        name = node.name if isinstance(node, exp.Anonymous) else "format"
        raise Refused(f"function {name.lower()} does not exist")
    if isinstance(node, exp.ExplodingGenerateSeries | exp.GenerateSeries) and not _is_table_source(node):
        _check_series(node)
    if isinstance(node, exp.Repeat):
        times = node.args["times"]
        node.set("times", _guard(_over(_op(exp.Mul, _int(times), _len(node.this))), times.copy()))
    elif isinstance(node, exp.Space):
        node.set("this", _guard(_over(_int(node.this)), node.this.copy()))
    elif isinstance(node, exp.Pad):
        node.set("expression", _guard(_over(_int(node.expression)), node.expression.copy()))
    return node


def _regexp_replaced_bound(node: exp.RegexpReplace) -> exp.Expr:
    """At most the text plus, per match, the replacement and (back-references) a copy of the text."""
    s, r = node.this, node.args.get("replacement") or exp.Literal.string("")
    per_match = _op(exp.Mul, exp.Literal.number(2), _len(r))
    matches = _op(exp.Add, _len(s), exp.Literal.number(1))
    return _op(exp.Add, _len(s), _op(exp.Mul, matches, per_match))


def _replaced_length(node: exp.Replace) -> exp.Expr:
    """The exact length of `replace(s, f, t)`, computed from inputs no longer than `s`."""
    s, f = node.this, node.expression
    t = node.args.get("replacement") or exp.Literal.string("")
    removed = exp.Replace(this=s.copy(), expression=f.copy(), replacement=exp.Literal.string(""))
    count = _op(
        exp.IntDiv,
        _op(exp.Sub, _len(s), _len(removed)),
        exp.Anonymous(this="GREATEST", expressions=[_len(f), exp.Literal.number(1)]),
    )
    return _op(exp.Add, _len(s), _op(exp.Mul, count, _op(exp.Sub, _len(t), _len(f))))


def _check_series(node: exp.Expr) -> None:
    args = [node.args.get(k) for k in ("start", "end", "step")]
    start, end, step = (a.to_py() if isinstance(a, exp.Literal) and a.is_number else a for a in args)
    step = 1 if step is None else step
    if not all(isinstance(v, int | float) for v in (start, end, step)) or not step:
        raise Refused("generate_series in a select list needs constant numeric bounds on the local endpoint")
    if (float(end) - float(start)) / float(step) > SERIES_MAX:  # type: ignore[arg-type]
        raise Refused(f"generate_series would make more than {SERIES_MAX} rows in one value")


def bounded(tree: exp.Expr) -> exp.Expr:
    """The statement with every value builder bounded; Refused when it uses a refused one."""
    builders = list(tree.find_all(*_BUILDERS))
    if len(builders) > MAX_BUILDERS or any(
        sum(isinstance(a, _BUILDERS) for a in _ancestors(b)) >= MAX_NESTING for b in builders
    ):
        raise Refused(f"too many string builders (at most {MAX_BUILDERS}, nested at most {MAX_NESTING} deep)")
    tree = tree.transform(_bound)
    # Innermost first, so that an outer replace's guard measures the guarded inner one. The
    # guard goes on the replacement argument, never around the call: DuckDB folds a constant
    # call while planning, and only an argument that fails keeps it from being built.
    for node in reversed(list(tree.find_all(exp.Replace, exp.RegexpReplace))):
        replacement = node.args.get("replacement")
        if replacement is None:
            continue
        if isinstance(node, exp.Replace):
            bound = _replaced_length(node)
        elif isinstance(node, exp.RegexpReplace):
            bound = _regexp_replaced_bound(node)
        else:
            continue
        node.set("replacement", _guard(_over(bound), replacement.copy()))
    return tree


def _ancestors(node: exp.Expr) -> list[exp.Expr]:
    out, parent = [], node.parent
    while parent is not None:
        out.append(parent)
        parent = parent.parent
    return out


def is_read(tree: exp.Expr) -> bool:
    """True for a query that changes nothing (no DML, DDL or COPY anywhere, no SELECT INTO)."""
    if not isinstance(tree, exp.Query) or tree.args.get("into") is not None:
        return False
    return tree.find(*_WRITES) is None
