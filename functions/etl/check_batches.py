"""Task: every batch of the cycle checked on its own (its files as its ledger entry names them,
quality gates); a batch that fails is reported (`quality/<batch>.json`) and marked rejected,
and the others go on."""

from __future__ import annotations

import io
import json
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from aws_lambda_powertools import Logger, Tracer

from consumers.etl.manifest import FileCheck, check_files, files_of
from consumers.etl.quality import check_batch, concerts_named
from consumers.warehouse.load_sql import cycle_ledger_statements
from functions.etl import wiring
from functions.etl.correlation import carry
from functions.etl.lake_objects import LakeObjects, each

logger = Logger(service="etl")
tracer = Tracer(service="etl")


Files = dict[tuple[str, str], bytes | None]


def _read(lake: LakeObjects, batch: dict[str, Any]) -> tuple[FileCheck, Files]:
    """The files a batch's entry names, and each of them read once (None: missing)."""
    named = files_of(batch, lake.read_or_none)
    return named, {(e.bucket, e.key): lake.read_or_none(e.bucket, e.key) for e in named.entries}


def _tables(
    batch: dict[str, Any], named: FileCheck, files: Files
) -> tuple[dict[str, pa.Table], dict[str, int], list[str]]:
    """A batch's tables as landed, the rows its files promise, and what did not match
    (sizes checked on the bytes read: no separate HEAD)."""

    def size_of(bucket: str, key: str) -> int | None:
        body = files.get((bucket, key))
        return None if body is None else len(body)

    check = check_files(named, size_of)
    problems = list(check.problems)
    promised = check.rows()
    for table, rows in batch.get("rows", {}).items():
        if promised.get(table, 0) != rows:
            problems.append(f"{table}: ledger says {rows} rows, its files {promised.get(table, 0)}")
    tables: dict[str, pa.Table] = {}
    if not problems:
        for table in promised:
            parts = [
                pq.read_table(io.BytesIO(files[(e.bucket, e.key)] or b""))
                for e in check.entries
                if e.table == table
            ]
            tables[table] = pa.concat_tables(parts) if parts else pa.table({})
    return tables, promised, problems


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the cycle. Output: the cycle, the batches that passed and those rejected."""
    parts = wiring.parts()
    cycle = event["cycle"]
    logger.append_keys(execution=event.get("execution"), cycle_id=cycle["cycle_id"])
    batches = json.loads(parts.lake.read(parts.settings.lake_bucket, cycle["plan"]))["batches"]
    # S3 waits on the network: 16 batches at a time
    reads = each(lambda batch: _read(parts.lake, batch), batches)
    landed = {b["batch_id"]: _tables(b, *read) for b, read in zip(batches, reads, strict=True)}
    # Concerts landed by any batch of the cycle are loaded with it: they satisfy integrity.
    in_cycle = {
        int(v)
        for tables, _, _ in landed.values()
        if "dim_concert" in tables
        for v in tables["dim_concert"].column("concert_id").to_pylist()
    }

    # The warehouse is asked once per cycle for every concert the cycle's facts name, not once
    # per batch: a cycle of small batches paid a Data API round trip for each.
    named = set().union(*(concerts_named(tables) for tables, _, _ in landed.values())) - in_cycle
    in_warehouse = parts.warehouse.known_concerts(named) if named else set()

    def known(ids: set[int]) -> set[int]:
        return ids & (in_cycle | in_warehouse)

    passed: list[str] = []
    rejected: list[dict[str, Any]] = []
    for batch in batches:
        tables, promised, problems = landed[batch["batch_id"]]
        report: dict[str, Any] = (
            {"batch_id": batch["batch_id"], "passed": False, "problems": problems}
            if problems
            else check_batch(batch["batch_id"], tables, promised, known).to_dict()
        )
        if report["passed"]:
            passed.append(batch["batch_id"])
            continue
        key = f"{parts.settings.quality_prefix}{batch['batch_id']}.json"
        parts.lake.write_json(batch["bucket"], key, report)
        failed = [g for g in report.get("gates", []) if not g.get("ok")] or report.get("problems") or []
        rejected.append(
            {"batch_id": batch["batch_id"], "report": f"s3://{batch['bucket']}/{key}", "failed": failed}
        )
    if rejected:
        parts.warehouse.batch(
            cycle_ledger_statements(
                [(r["batch_id"], "rejected", 0, json.dumps(r["failed"])) for r in rejected]
            )
        )
        logger.warning("batches rejected", extra={"rejected": [r["report"] for r in rejected]})
    logger.info("cycle checked", extra={"passed": len(passed), "rejected": len(rejected)})
    return carry(event, {"cycle": cycle, "passed": passed, "rejected": rejected, "has_passed": bool(passed)})
