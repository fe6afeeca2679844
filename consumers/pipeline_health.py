"""The health signals `concert status` and the chat's pipeline_status tool report, the same
the CloudWatch alarms watch on AWS: dead letters waiting, failed and running workflow
executions, how fresh the warehouse is, and the alarms in ALARM state
(on the local cloud they exist but no metrics feed them)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MACHINES = (
    "EtlStateMachineArn", "CompactionStateMachineArn", "RetrainStateMachineArn", "ChatStateMachineArn",
)  # fmt: skip


def dead_letters(sqs: Any, queues: tuple[str, ...]) -> dict[str, int | None]:
    """Messages visible per dead-letter queue (None: the queue does not exist)."""
    out: dict[str, int | None] = {}
    for name in queues:
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist:
            out[name] = None
            continue
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
        out[name] = int(attrs["Attributes"]["ApproximateNumberOfMessages"])
    return out


def workflows(sfn: Any, outputs: dict[str, str], limit: int = 1000) -> dict[str, dict[str, int]]:
    """Failed and running executions per deployed state machine (counted up to `limit`)."""
    out = {}
    for key in MACHINES:
        arn = outputs.get(key)
        if not arn:
            continue
        counts = {}
        for status in ("FAILED", "RUNNING"):
            pages = sfn.get_paginator("list_executions").paginate(
                stateMachineArn=arn, statusFilter=status, PaginationConfig={"MaxItems": limit}
            )
            counts[status.lower()] = sum(len(p["executions"]) for p in pages)
        out[arn.rsplit(":", 1)[-1]] = counts
    return out


def warehouse_freshness(warehouse: Any, now: datetime | None = None) -> dict[str, Any]:
    """Events loaded and seconds since the last load (None before the first)."""
    row = warehouse.query("SELECT COUNT(*) AS events, MAX(loaded_at) AS last_load FROM event_log")[0]
    last = row["last_load"]
    now = now or datetime.now(UTC)
    return {
        "events": int(row["events"] or 0),
        "last_load": last.isoformat() if last else None,
        "seconds_since_last_load": round((now - last).total_seconds(), 1) if last else None,
    }


def alarms_firing(cloudwatch: Any) -> list[str]:
    """Names of the alarms in ALARM state."""
    pages = cloudwatch.get_paginator("describe_alarms").paginate(StateValue="ALARM")
    return sorted(a["AlarmName"] for p in pages for a in p.get("MetricAlarms", []))


def report(
    sqs: Any, sfn: Any, cloudwatch: Any, warehouse: Any, machines: dict[str, str], queues: tuple[str, ...]
) -> dict[str, Any]:
    """Every signal and the verdict; a warehouse that cannot be read is reported, not raised."""
    from botocore.exceptions import BotoCoreError, ClientError

    from consumers.warehouse.client import WarehouseError

    out: dict[str, Any] = {
        "dead_letters": dead_letters(sqs, queues),
        "workflows": workflows(sfn, machines),
        "alarms_firing": alarms_firing(cloudwatch),
    }
    try:
        out["warehouse"] = warehouse_freshness(warehouse)
    except (WarehouseError, BotoCoreError, ClientError) as exc:
        out["warehouse"] = {"error": str(exc).splitlines()[0][:200]}
    out["healthy"] = healthy(out)
    return out


def healthy(report: dict[str, Any]) -> bool:
    """No dead letter waiting, no failed execution, no alarm firing."""
    return (
        not any(report["dead_letters"].values())
        and not any(w["failed"] for w in report["workflows"].values())
        and not report["alarms_firing"]
    )
