"""Task: take the load lease, tidy the landing ledger and plan the next load cycle.

The lease is held by an execution (its id); a lease whose execution has ended (failed before
it could give it back) is taken over at once rather than when it expires.

Output `action`: `load` (the cycle's batches are in the plan object), `wait` (`wait_s` for
more, by the buffering policy), `done` (nothing pending: the lease is given back, and the
ledger looked at once more so a batch landed meanwhile is not left behind) or `busy` (another
execution holds the lease: it will see this execution's batches). With `release` in the
input it only gives the lease back (after a failure).
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from botocore.exceptions import ClientError

from consumers.etl.cycle import cycle_rows, plan_cycle
from functions.etl import wiring
from functions.etl.correlation import carry
from functions.etl.wiring import Parts

logger = Logger(service="etl")
tracer = Tracer(service="etl")
CYCLES_PREFIX = "ledger/cycles/"


def _ended(parts: Parts, execution: str) -> bool:
    """True when that execution is known to have ended (its lease is stale). When Step Functions
    cannot say (throttled, timed out), it is taken as running: this execution ends `busy`, the
    holder goes on or the lease expires, and the next trigger asks again."""
    try:
        return str(parts.sfn.describe_execution(executionArn=execution)["status"]) != "RUNNING"
    except ClientError as err:
        return err.response["Error"].get("Code") == "ExecutionDoesNotExist"
    except Exception as err:  # a connection or read timeout: not known to have ended
        logger.warning("could not ask whether the lease's holder ended", extra={"error": str(err)})
        return False


def _take(parts: Parts, holder: str, now_s: int, ttl_s: int) -> bool:
    other = parts.warehouse.take_lease(holder, now_s, ttl_s)
    if other is None or other == holder:
        return other == holder
    if not _ended(parts, other):
        return False
    logger.warning("taking over the lease of an ended execution", extra={"previous": other})
    return parts.warehouse.take_lease(holder, now_s, ttl_s, replacing=other) == holder


def _plan(parts: Parts, holder: str) -> dict[str, Any]:
    settings, warehouse, ledger = parts.settings, parts.warehouse, parts.ledger
    for _ in range(3):
        now = time.time()
        if not _take(parts, holder, int(now), settings.lease_ttl_s):
            return {"action": "busy"}
        entries = ledger.pending(limit=settings.max_batches * 2)
        finished = warehouse.batch_statuses([str(e["batch_id"]) for e in entries]) if entries else {}
        ledger.remove(e["ledger_key"] for e in entries if e["batch_id"] in finished)
        plan = plan_cycle(
            [e for e in entries if e["batch_id"] not in finished], int(now * 1000), settings.policy()
        )
        if plan.action == "wait":
            return {"action": "wait", "wait_s": plan.wait_s}
        if plan.action == "load":
            digest = hashlib.sha1(holder.encode(), usedforsecurity=False).hexdigest()[:8]
            cycle_id = f"cycle-{int(now * 1000)}-{digest}"
            key = f"{CYCLES_PREFIX}{cycle_id}.json"
            parts.lake.write_json(settings.lake_bucket, key, {"cycle_id": cycle_id, "batches": plan.batches})
            rows = cycle_rows(plan.batches)
            return {
                "action": "load",
                "cycle": {"cycle_id": cycle_id, "plan": key, "batches": len(plan.batches), "rows": rows},
            }
        warehouse.release_lease(holder)
        if not ledger.keys():
            return {"action": "done"}
        # Something landed after the listing: take the lease again (or leave it to its taker).
    return {"action": "done"}


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Input: the execution id (the lease holder). Output: the action and, to load, the cycle."""
    parts = wiring.parts()
    holder = str(event["execution"])
    logger.append_keys(execution=holder)
    if event.get("release"):
        parts.warehouse.release_lease(holder)
        return carry(event, {"action": "released", "error": event.get("error")})
    out = _plan(parts, holder)
    logger.info("cycle planned", extra={k: v for k, v in out.items() if k != "cycle"} | out.get("cycle", {}))
    return carry(event, out)
