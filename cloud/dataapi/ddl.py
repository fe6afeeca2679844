"""Redshift table DDL as DuckDB runs it: physical properties dropped, lengths enforced.

Pure. Redshift's distribution, sort and compression clauses (column-level DISTKEY, SORTKEY,
ENCODE; table-level DISTSTYLE, DISTKEY(..), [COMPOUND|INTERLEAVED] SORTKEY(..|AUTO), ENCODE
AUTO, BACKUP) say where data lives, not what it means: they are cut out before parsing, so AWS's
own CREATE TABLE statements run as written. Character columns keep Redshift's length rule
("value too long for type character varying(n)") as a CHECK whose text names the declared
type, which is also how the endpoint reports `char(n)` columns as `bpchar`. IDENTITY columns
take their values from a sequence made with the table.
"""

from __future__ import annotations

import re

from sqlglot import Token, TokenType, exp

from cloud.dataapi.functions import LocalRedshift

DEFAULT_VARCHAR = 256  # VARCHAR and TEXT without a length, as Redshift reads them
MAX_VARCHAR = 65535
_COLUMN_LEVEL = {"DISTKEY", "SORTKEY"}
_TABLE_LEVEL_WORD = {"DISTSTYLE", "BACKUP"}
_SORT_PREFIX = {"COMPOUND", "INTERLEAVED"}
DECLARED = re.compile(r"'(character(?: varying)?)\((\d+)\)' IS NULL")


def is_table_ddl(sql: str) -> bool:
    """True for CREATE [TEMP] TABLE and ALTER TABLE statements."""
    words = sql.lstrip().upper().split(None, 4)
    return (words[:1] == ["CREATE"] and "TABLE" in words[1:4]) or words[:2] == ["ALTER", "TABLE"]


def strip_physical(sql: str) -> str:
    """The statement without Redshift's distribution, sort, compression and backup clauses."""
    tokens = LocalRedshift().tokenize(sql)
    cut: list[tuple[int, int]] = []
    depth, i = 0, 0
    while i < len(tokens):
        tok, word = tokens[i], tokens[i].text.upper()
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif word == "ENCODE" and nxt is not None:
            cut.append((tok.start, nxt.end))
            i += 2
            continue
        elif depth == 1 and word in _COLUMN_LEVEL and not _opens(nxt):
            cut.append((tok.start, tok.end))
        elif depth == 0 and word in _TABLE_LEVEL_WORD and nxt is not None:
            cut.append((tok.start, nxt.end))
            i += 2
            continue
        elif depth == 0 and (word in _COLUMN_LEVEL or word in _SORT_PREFIX):
            end = _clause_end(tokens, i)
            cut.append((tok.start, tokens[end].end))
            i = end + 1
            continue
        i += 1
    out, last = [], 0
    for start, end in cut:
        out.append(sql[last:start])
        last = end + 1
    out.append(sql[last:])
    return "".join(out)


def _opens(tok: Token | None) -> bool:
    return tok is not None and tok.token_type == TokenType.L_PAREN


def _clause_end(tokens: list[Token], i: int) -> int:
    """The last token of `[COMPOUND|INTERLEAVED] SORTKEY (..)`, `SORTKEY AUTO` or `DISTKEY (..)`."""
    j = i + 1 if tokens[i].text.upper() in _SORT_PREFIX else i
    if j + 1 < len(tokens) and tokens[j + 1].text.upper() == "AUTO":
        return j + 1
    if j + 1 < len(tokens) and tokens[j + 1].token_type == TokenType.L_PAREN:
        depth = 0
        for k in range(j + 1, len(tokens)):
            depth += {TokenType.L_PAREN: 1, TokenType.R_PAREN: -1}.get(tokens[k].token_type, 0)
            if depth == 0:
                return k
    return j


def enforce(tree: exp.Expr) -> tuple[exp.Expr, list[str]]:
    """CHECKs for character lengths added to a CREATE TABLE, and its IDENTITY columns turned
    into sequence defaults: the tree, and the statements to run before it."""
    if not isinstance(tree, exp.Create) or not isinstance(tree.this, exp.Schema):
        return tree, []
    before: list[str] = []
    table = tree.this.this.name
    for col in tree.this.expressions:
        if not isinstance(col, exp.ColumnDef) or not isinstance(col.kind, exp.DataType):
            continue
        declared = _declared(col.kind)
        if declared is not None:
            kind, length = declared
            name = exp.to_identifier(col.name, quoted=True).sql()
            check = f"{name} IS NULL OR strlen({name}) <= {length} OR '{kind}({length})' IS NULL"
            parsed: exp.Expr = exp.maybe_parse(check, dialect="duckdb")
            col.append("constraints", exp.ColumnConstraint(kind=exp.CheckColumnConstraint(this=parsed)))
        for constraint in list(col.constraints):
            ident = constraint.kind
            if isinstance(ident, exp.GeneratedAsIdentityColumnConstraint):
                start = ident.args.get("start") or exp.Literal.number(1)
                step = ident.args.get("increment") or exp.Literal.number(1)
                seq = f"{table}_{col.name}_seq"
                before.append(
                    f"CREATE SEQUENCE IF NOT EXISTS {seq} START {start.sql()} INCREMENT {step.sql()}"
                )
                constraint.replace(
                    exp.ColumnConstraint(
                        kind=exp.DefaultColumnConstraint(this=exp.func("nextval", exp.Literal.string(seq)))
                    )
                )
    return tree, before


def _declared(kind: exp.DataType) -> tuple[str, int] | None:
    """('character varying', n) or ('character', n) for a character column, else None."""
    types = exp.DataType.Type
    if kind.this in (types.VARCHAR, types.NVARCHAR, types.TEXT):
        name = "character varying"
        default = DEFAULT_VARCHAR
    elif kind.this in (types.CHAR, types.NCHAR, types.BPCHAR):
        name = "character"
        default = 1 if kind.this != types.BPCHAR else DEFAULT_VARCHAR
    else:
        return None
    if not kind.expressions:
        return name, default
    size = kind.expressions[0]
    text = size.name if isinstance(size, exp.DataTypeParam | exp.Literal) else size.sql()
    if text.upper() == "MAX":
        return name, MAX_VARCHAR
    return (name, int(text)) if text.isdigit() else None
