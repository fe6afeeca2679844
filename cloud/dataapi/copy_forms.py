"""Redshift COPY from S3: the command's options, and its text, CSV and JSON files as rows.

Pure (bytes in, rows out). The options are read from the tokens, not sqlglot's COPY tree, which
drops escapes (`NULL AS '\\N'`) and pairs options wrongly (`GZIP REGION ...`). Parquet files
are read by the engine with pyarrow; this module turns delimited text, CSV and JSON into rows
of strings (None for NULL) in the table's column order, as Redshift's COPY would read them:
`DELIMITER`, `IGNOREHEADER`, `NULL AS`, `EMPTYASNULL`, `BLANKSASNULL`, `DATEFORMAT`,
`TIMEFORMAT`, `GZIP`/`BZIP2`, `CSV [QUOTE AS]`, `FORMAT AS JSON 'auto' | 'auto ignorecase'`.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime

from sqlglot import TokenType

from cloud.dataapi.functions import LocalRedshift


class CopyError(ValueError):
    """A COPY the endpoint cannot run or a file it cannot read; the message is Redshift's."""


@dataclass(frozen=True)
class CopyFromS3:
    """A Redshift COPY of S3 objects (under a prefix, or listed in a manifest) into a table."""

    table: str
    bucket: str
    prefix: str
    manifest: bool = False
    columns: tuple[str, ...] = ()
    format: str = "TEXT"  # TEXT (delimited), CSV, JSON or PARQUET
    delimiter: str = "|"
    quote: str = '"'
    ignore_header: int = 0
    null_as: str | None = None  # None: the format's default (\N for text, empty for CSV)
    empty_as_null: bool = False
    blanks_as_null: bool = False
    date_format: str = "auto"
    time_format: str = "auto"
    compression: str = ""  # GZIP or BZIP2
    json_paths: str = "auto"  # 'auto' or 'auto ignorecase'


_FLAGS = {"GZIP", "BZIP2", "MANIFEST", "EMPTYASNULL", "BLANKSASNULL", "REMOVEQUOTES", "ACCEPTANYDATE"}
_FLAGS |= {
    "TRUNCATECOLUMNS",
    "FILLRECORD",
    "TRIMBLANKS",
    "ROUNDEC",
    "EXPLICIT_IDS",
    "ESCAPE",
    "ACCEPTINVCHARS",
}
_WITH_VALUE = {"DELIMITER", "IGNOREHEADER", "DATEFORMAT", "TIMEFORMAT", "REGION", "CREDENTIALS", "MAXERROR"}
_WITH_VALUE |= {"ACCESS_KEY_ID", "SECRET_ACCESS_KEY", "SESSION_TOKEN", "IAM_ROLE", "COMPUPDATE", "STATUPDATE"}
_WITH_VALUE |= {"ENCODING", "QUOTE"}
_UNSUPPORTED = {"AVRO", "ORC", "FIXEDWIDTH", "SHAPEFILE", "LZOP", "ZSTD"}


def parse_copy(sql: str) -> CopyFromS3 | None:
    """The COPY's target, source and options, or None when `sql` is not a COPY."""
    if not sql.lstrip().upper().startswith("COPY"):
        return None
    tokens = LocalRedshift().tokenize(sql)
    words = [(t.text.upper() if t.token_type != TokenType.STRING else None, _raw(sql, t)) for t in tokens]
    if len(words) < 4:
        raise CopyError("ERROR: syntax error at end of input")
    table, i, columns = words[1][1], 2, []
    if words[i][1] == "(":
        while i < len(words) and words[i][1] != ")":
            if words[i][1] not in ("(", ","):
                columns.append(words[i][1].lower())
            i += 1
        i += 1
    if i + 1 >= len(words) or words[i][0] != "FROM" or words[i + 1][0] is not None:
        raise CopyError("ERROR: COPY needs FROM 's3://bucket/prefix'")
    m = re.fullmatch(r"s3://([^/]+)/?(.*)", words[i + 1][1])
    if not m:
        raise CopyError(f"ERROR: COPY source must be an s3:// URI, got {words[i + 1][1]!r}")
    opts: dict[str, object] = {"table": table.strip('"').lower(), "bucket": m.group(1), "prefix": m.group(2)}
    opts["columns"] = tuple(columns)
    i += 2
    while i < len(words):
        word, raw = words[i]
        nxt = words[i + 1] if i + 1 < len(words) else (None, "")
        i += 1
        if word in ("WITH", "AS", ";") or word is None:
            continue
        if word in _UNSUPPORTED:
            raise CopyError(f"ERROR: COPY ... {word} is not supported by the local endpoint")
        if word == "FORMAT":
            if nxt[0] == "AS":
                i += 1
            continue
        if word in ("CSV", "JSON", "PARQUET"):
            opts["format"] = "TEXT" if word == "TEXT" else word
            if word == "JSON" and i < len(words) and words[i][0] is None:
                opts["json_paths"] = words[i][1].lower()
                i += 1
            if word == "CSV" and opts.get("delimiter") is None:
                opts.setdefault("delimiter", ",")
            continue
        if word == "NULL":
            i += 1 if nxt[0] == "AS" else 0
            opts["null_as"] = words[i][1] if i < len(words) else ""
            i += 1
            continue
        if word in _FLAGS:
            key = {"GZIP": "compression", "BZIP2": "compression"}.get(word)
            if key:
                opts[key] = word
            elif word in ("MANIFEST", "EMPTYASNULL", "BLANKSASNULL"):
                opts[{"MANIFEST": "manifest", "EMPTYASNULL": "empty_as_null"}.get(word, "blanks_as_null")] = (
                    True
                )
            continue
        if word in _WITH_VALUE:
            if nxt[0] == "AS":
                i += 1
            value = words[i][1] if i < len(words) else ""
            i += 1
            if word == "DELIMITER":
                opts["delimiter"] = value
            elif word == "QUOTE":
                opts["quote"] = value
            elif word == "IGNOREHEADER":
                opts["ignore_header"] = int(value)
            elif word == "DATEFORMAT":
                opts["date_format"] = value
            elif word == "TIMEFORMAT":
                opts["time_format"] = value
            continue
        raise CopyError(f'ERROR: syntax error at or near "{raw}"')
    return CopyFromS3(**opts)  # type: ignore[arg-type]


def _raw(sql: str, tok: object) -> str:
    """A token's text as written (a string literal without its quotes, escapes kept)."""
    text: str = getattr(tok, "text")  # noqa: B009
    if getattr(tok, "token_type") == TokenType.STRING:  # noqa: B009
        start, end = getattr(tok, "start"), getattr(tok, "end")  # noqa: B009
        written = sql[start : end + 1]
        if len(written) >= 2 and written[0] == "'" and written[-1] == "'":
            return written[1:-1].replace("''", "'")
    return text


def decompress(data: bytes, copy: CopyFromS3, key: str) -> bytes:
    """The object's bytes, gunzipped or bunzipped as the COPY (or the key's suffix) says."""
    if copy.compression == "GZIP" or key.endswith(".gz"):
        return gzip.decompress(data)
    if copy.compression == "BZIP2" or key.endswith(".bz2"):
        return bz2.decompress(data)
    return data


def text_rows(data: bytes, copy: CopyFromS3, columns: list[str], key: str) -> list[list[str | None]]:
    """Delimited text or CSV as rows of strings, one per column of `columns`."""
    text = decompress(data, copy, key).decode("utf-8")
    lines = text.splitlines()[copy.ignore_header :]
    csv_mode = copy.format == "CSV"
    delimiter = copy.delimiter if copy.delimiter else ("," if csv_mode else "|")
    reader = (
        csv.reader(lines, delimiter=delimiter, quotechar=copy.quote or '"')
        if csv_mode
        else (line.split(delimiter) for line in lines)
    )
    null_as = copy.null_as if copy.null_as is not None else ("" if csv_mode else "\\N")
    rows: list[list[str | None]] = []
    for n, fields in enumerate(reader, start=copy.ignore_header + 1):
        if not fields or fields == [""]:
            continue
        if len(fields) != len(columns):
            raise CopyError(
                f"ERROR: Load into table '{copy.table}' failed. Line {n} of {key}: "
                f"{len(fields)} fields for {len(columns)} columns "
                "(Extra column(s) found or Delimiter not found)"
            )
        rows.append([_value(f, copy, null_as) for f in fields])
    return rows


def _value(field: str, copy: CopyFromS3, null_as: str) -> str | None:
    if (
        field == null_as
        or (copy.empty_as_null and field == "")
        or (copy.blanks_as_null and not field.strip())
    ):
        return None
    return field


def json_rows(data: bytes, copy: CopyFromS3, columns: list[str], key: str) -> list[list[str | None]]:
    """JSON objects (one after another, or one a line) as rows: `auto` matches keys to column
    names exactly, `auto ignorecase` in any case; a missing key is NULL."""
    if copy.json_paths not in ("auto", "auto ignorecase"):
        raise CopyError(
            "ERROR: only FORMAT AS JSON 'auto' or 'auto ignorecase' is supported by the local endpoint"
        )
    text = decompress(data, copy, key).decode("utf-8")
    decoder, pos = json.JSONDecoder(), 0
    rows: list[list[str | None]] = []
    fold = copy.json_paths == "auto ignorecase"
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return rows
        try:
            obj, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as err:
            raise CopyError(
                f"ERROR: Load into table '{copy.table}' failed. Invalid JSON in {key}: {err.msg}"
            ) from None
        if not isinstance(obj, dict):
            raise CopyError(
                f"ERROR: Load into table '{copy.table}' failed. {key}: a JSON record must be an object"
            )
        found = {k.lower(): v for k, v in obj.items()} if fold else obj
        rows.append([_json_value(found.get(c)) for c in columns])


def _json_value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


_DATE_PARTS = [("YYYY", "%Y"), ("YY", "%y"), ("MON", "%b"), ("MM", "%m"), ("DD", "%d")]
_DATE_PARTS += [("HH24", "%H"), ("HH12", "%I"), ("HH", "%H"), ("MI", "%M"), ("SS", "%S"), ("AM", "%p")]


def iso(value: str | None, fmt: str, *, with_time: bool) -> str | None:
    """A date or timestamp written in DATEFORMAT/TIMEFORMAT `fmt`, as ISO text ('auto': as is;
    'epochsecs': seconds since 1970)."""
    if value is None or fmt.lower() == "auto":
        return value
    if fmt.lower() == "epochsecs":
        return datetime.utcfromtimestamp(float(value)).isoformat(sep=" ")
    pattern = fmt
    for part, piece in _DATE_PARTS:
        pattern = pattern.replace(part, piece)
    try:
        parsed = datetime.strptime(value, pattern)
    except ValueError:
        kind = "timestamp" if with_time else "date"
        raise CopyError(f"ERROR: Invalid {kind} format: {value!r} does not match {fmt!r}") from None
    return parsed.isoformat(sep=" ") if with_time else parsed.date().isoformat()


def reader_for(copy: CopyFromS3) -> str:
    """`parquet`, `json` or `text`: how the engine reads this COPY's objects."""
    return {"PARQUET": "parquet", "JSON": "json"}.get(copy.format, "text")


def stream(data: bytes) -> io.BytesIO:
    """Bytes as a file for pyarrow."""
    return io.BytesIO(data)
