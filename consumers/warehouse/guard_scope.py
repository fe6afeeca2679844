"""Name resolution for the SQL guard. Pure.

Which table references are CTEs, resolved by scope the way DuckDB and Redshift resolve them
(checked against DuckDB): a CTE is visible in its WITH's own query (subqueries included) and in
the later CTEs of the same WITH; a CTE of a WITH RECURSIVE sees itself only in the recursive
term (the right operand of its top UNION; DuckDB reads the real table from the anchor side).
Where the engines might differ the resolution errs towards "a real table", which the allow-list
then checks. (sqlglot's `optimizer.scope` resolves the same way but treats the anchor side and
INTERSECT/EXCEPT bodies as recursive and matches names case-sensitively, so it is not used.)

And which relations are the engines' own catalogs and system tables, whatever the policy.
"""

from __future__ import annotations

from sqlglot import exp

# Redshift: pg_catalog (pg_*), system tables and views (stl_, stv_, svl_, svv_, svcs_, stcs_,
# sys_), information_schema. DuckDB: duckdb_*() views, sqlite_master & co., pragma_* views,
# pg_catalog views (pg_class, pg_settings, ...), information_schema.
SYSTEM_PREFIXES = (
    "pg_", "stl_", "stv_", "svl_", "svv_", "svcs_", "stcs_", "sys_",
    "duckdb_", "sqlite_", "pragma_", "information_schema",
)  # fmt: skip


def is_system(name: str) -> bool:
    """Whether `name` is (or starts like) a catalog or system relation of either engine."""
    return name.lower().startswith(SYSTEM_PREFIXES)


def folded(identifier: exp.Identifier) -> str:
    """An identifier as the engines compare it by default: unquoted ones fold to lower case."""
    return identifier.name if identifier.quoted else identifier.name.lower()


def cte_name(cte: exp.CTE) -> str | None:
    """The CTE's folded name (None when it has none)."""
    alias = cte.args.get("alias")
    identifier = alias.this if isinstance(alias, exp.TableAlias) else None
    return folded(identifier) if isinstance(identifier, exp.Identifier) else None


def cte_references(root: exp.Expr) -> set[int]:
    """The ids of the exp.Table nodes under `root` that read a CTE in scope, not a table."""
    found: set[int] = set()
    stack: list[tuple[exp.Expr, frozenset[str]]] = [(root, frozenset())]
    while stack:
        node, visible = stack.pop()
        if isinstance(node, exp.Table) and _reads_cte(node, visible):
            found.add(id(node))
        with_ = node.args.get("with_")
        inner = visible | _names(with_.expressions) if isinstance(with_, exp.With) else visible
        seen: list[exp.CTE] = []
        recursive = _recursive_name(node)
        for child in _children(node):
            if child is with_:
                stack.append((child, visible))
            elif isinstance(node, exp.With) and isinstance(child, exp.CTE):
                stack.append((child, visible | _names(seen)))
                seen.append(child)
            elif recursive is not None and child is node.args.get("expression"):
                stack.append((child, inner | {recursive}))
            else:
                stack.append((child, inner))
    return found


def _reads_cte(table: exp.Table, visible: frozenset[str]) -> bool:
    plain = not table.args.get("db") and not table.args.get("catalog")
    return plain and isinstance(table.this, exp.Identifier) and folded(table.this) in visible


def _names(ctes: list[exp.CTE]) -> frozenset[str]:
    return frozenset(name for name in map(cte_name, ctes) if name is not None)


def _recursive_name(node: exp.Expr) -> str | None:
    """The CTE's name when `node` is the body of a WITH RECURSIVE's CTE of the form
    anchor UNION [ALL] recursive term: the name is visible in the recursive term only."""
    cte = node.parent
    if not (isinstance(node, exp.Union) and isinstance(cte, exp.CTE) and cte.this is node):
        return None
    with_ = cte.parent
    return cte_name(cte) if isinstance(with_, exp.With) and with_.args.get("recursive") else None


def _children(node: exp.Expr) -> list[exp.Expr]:
    children: list[exp.Expr] = []
    for value in node.args.values():
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, exp.Expr):
                children.append(child)
    return children
