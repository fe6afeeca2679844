"""Task: load the cycle's passed batches: one COPY per table over a manifest naming every
batch's files of that table, MERGE, aggregates and their ledger rows, in two transactions
(the dimensions, then the rest with the ledger: `load_transactions`); then entity resolution's
pass over the artists and venues the cycle brought (it never fails the load)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger, Tracer

from consumers.entities.crosswalk import resolve_pass
from consumers.etl.cycle import cycle_partitions, cycle_rows
from consumers.etl.manifest import copy_manifests, files_of
from consumers.warehouse.load_sql import cycle_ledger_statements, load_transactions
from functions.etl import wiring
from functions.etl.correlation import carry
from functions.etl.lake_objects import each

logger = Logger(service="etl")
tracer = Tracer(service="etl")


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the cycle and its passed batches. Output: rows loaded and partitions touched."""
    parts = wiring.parts()
    cycle, execution = event["cycle"], event.get("execution")
    logger.append_keys(execution=execution, cycle_id=cycle["cycle_id"])
    bucket = parts.settings.lake_bucket
    passed = set(event["passed"])
    batches = [
        b for b in json.loads(parts.lake.read(bucket, cycle["plan"]))["batches"] if b["batch_id"] in passed
    ]
    # The entries name their files (an older worker's entries, their manifests: read them).
    named = each(lambda b: files_of(b, parts.lake.read_or_none), batches)
    if problems := [p for check in named for p in check.problems]:
        raise RuntimeError(f"a passed batch's files are no longer readable: {problems[:3]}")
    manifests: dict[str, str] = {}
    for table, body in copy_manifests(e for check in named for e in check.entries).items():
        manifests[table] = f"manifests/cycles/{cycle['cycle_id']}/{table}.manifest"
        parts.lake.write(bucket, manifests[table], body)
    report = json.dumps({"execution": execution, "cycle": cycle["cycle_id"]})
    ledger = [(b["batch_id"], "loaded", int(sum(b.get("rows", {}).values())), report) for b in batches]
    for sqls in load_transactions(
        manifests,
        bucket=bucket,
        iam_role=parts.warehouse.settings.iam_role,
        ledger=cycle_ledger_statements(ledger),
    ):
        parts.warehouse.batch(sqls)  # dimensions first, then the rest with the ledger
    rows = cycle_rows(batches)
    logger.info("cycle loaded", extra={"batches": len(batches), "rows": rows})
    try:  # the new artists and venues, against the other sources' (consumers/entities/crosswalk.py)
        resolved = resolve_pass(parts.warehouse)
        logger.info("entities resolved", extra=asdict(resolved))
    except Exception:  # never holds the load: what is left unresolved waits for the next cycle
        logger.exception("entity resolution failed; the next cycle tries again")
    return carry(
        event,
        {
            "cycle": cycle,
            "batches_loaded": len(batches),
            "rows": rows,
            "bucket": bucket,
            "partitions": cycle_partitions(batches),
        },
    )
