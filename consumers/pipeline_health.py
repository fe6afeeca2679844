"""The health signals `concert status` and the chat's pipeline_status tool report, the same
the CloudWatch alarms watch on AWS: dead letters waiting, failed and running workflow
executions, how fresh the warehouse is, and the alarms in ALARM state.

A signal the target cannot give is reported as unknown, never as clear: an emulated CloudWatch
(the local cloud) holds the alarms but does not evaluate them (ministack re-evaluates an alarm
only when PutMetricData arrives, over every dimension of the metric at once, and publishes no
Kinesis, SQS or Step Functions metrics), so there `alarms.evaluated` is false and `healthy`
speaks for the other signals only (`unknown_signals` names what it leaves out)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import urlsplit

from consumers.step_functions import StepFunctions

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch.literals import StateValueType
    from mypy_boto3_sqs.literals import QueueAttributeFilterType

    from consumers.warehouse.ports import Queries

MACHINES = (
    "EtlStateMachineArn", "CompactionStateMachineArn", "RetrainStateMachineArn", "ChatStateMachineArn",
)  # fmt: skip


class _QueueErrors(Protocol):
    @property
    def QueueDoesNotExist(self) -> type[Exception]: ...


class Queues(Protocol):
    """The SQS calls the health report makes (the boto3 `sqs` client, `SQSClient`, is one; so is
    tests/fakes/pipeline_signals.py's `Sqs`)."""

    @property
    def exceptions(self) -> _QueueErrors:
        """The client's error classes (`QueueDoesNotExist`)."""
        ...

    def get_queue_url(self, *, QueueName: str) -> Mapping[str, Any]:
        """A queue's URL; raises `exceptions.QueueDoesNotExist`."""
        ...

    def get_queue_attributes(
        self, *, QueueUrl: str, AttributeNames: Sequence[QueueAttributeFilterType]
    ) -> Mapping[str, Any]:
        """A queue's attributes (its depth)."""
        ...


class AlarmPages(Protocol):
    """The pages of CloudWatch's `describe_alarms`."""

    def paginate(self, *, StateValue: StateValueType = ...) -> Iterable[Mapping[str, Any]]:
        """Every page of the alarms (in one state)."""
        ...


class Alarms(Protocol):
    """The CloudWatch call the health report makes (the boto3 `cloudwatch` client,
    `CloudWatchClient`, is one; so is tests/fakes/pipeline_signals.py's `Cloudwatch`). Where the
    client points (`meta.endpoint_url`) is read when the client has it."""

    def get_paginator(self, operation_name: Literal["describe_alarms"], /) -> AlarmPages:
        """The pages of the alarms."""
        ...


def dead_letters(sqs: Queues, queues: tuple[str, ...]) -> dict[str, int | None]:
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


def workflows(sfn: StepFunctions, outputs: dict[str, str], limit: int = 1000) -> dict[str, dict[str, int]]:
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


def warehouse_freshness(warehouse: Queries, now: datetime | None = None) -> dict[str, Any]:
    """Events loaded and seconds since the last load (None before the first)."""
    row = warehouse.query("SELECT COUNT(*) AS events, MAX(loaded_at) AS last_load FROM event_log")[0]
    last = row["last_load"]
    now = now or datetime.now(UTC)
    return {
        "events": int(row["events"] or 0),
        "last_load": last.isoformat() if last else None,
        "seconds_since_last_load": round((now - last).total_seconds(), 1) if last else None,
    }


def alarms_firing(cloudwatch: Alarms) -> list[str]:
    """Names of the alarms in ALARM state."""
    pages = cloudwatch.get_paginator("describe_alarms").paginate(StateValue="ALARM")
    return sorted(a["AlarmName"] for p in pages for a in p.get("MetricAlarms", []))


AWS_HOST_SUFFIXES = (".amazonaws.com", ".amazonaws.com.cn", ".api.aws")


def alarms_evaluated(cloudwatch: Alarms) -> tuple[bool, str | None]:
    """Whether the CloudWatch the client talks to evaluates alarms, and if not why.

    Only AWS's CloudWatch does; an endpoint elsewhere is an emulator (the local cloud)."""
    url = getattr(getattr(cloudwatch, "meta", None), "endpoint_url", None)
    if not url or (urlsplit(url).hostname or "").endswith(AWS_HOST_SUFFIXES):
        return True, None
    return False, (
        f"alarms are not evaluated on this target: CloudWatch at {url} is an emulator that "
        "re-evaluates an alarm only when a metric is put, over all its dimensions at once, and "
        "publishes no Kinesis, SQS or Step Functions metrics; judge health by the other signals"
    )


def alarms(cloudwatch: Alarms, evaluated: bool | None = None) -> dict[str, Any]:
    """The alarm signal: evaluated or not (with the reason), the alarms firing and how many exist."""
    known, reason = alarms_evaluated(cloudwatch) if evaluated is None else (evaluated, None)
    if not known and reason is None:
        reason = "alarms are not evaluated on this target"
    pages = cloudwatch.get_paginator("describe_alarms").paginate()
    states = [(a["AlarmName"], a.get("StateValue")) for p in pages for a in p.get("MetricAlarms", [])]
    return {
        "evaluated": known,
        "reason": reason,
        "defined": len(states),
        "firing": sorted(n for n, state in states if state == "ALARM") if known else [],
    }


def report(
    sqs: Queues,
    sfn: StepFunctions,
    cloudwatch: Alarms,
    warehouse: Queries,
    machines: dict[str, str],
    queues: tuple[str, ...],
    *,
    alarms_are_evaluated: bool | None = None,
) -> dict[str, Any]:
    """Every signal and the verdict; a warehouse that cannot be read is reported, not raised.

    `alarms_are_evaluated` overrides what the CloudWatch endpoint says about it."""
    from botocore.exceptions import BotoCoreError, ClientError

    from consumers.warehouse.client import WarehouseError

    alarm_signal = alarms(cloudwatch, alarms_are_evaluated)
    out: dict[str, Any] = {
        "dead_letters": dead_letters(sqs, queues),
        "workflows": workflows(sfn, machines),
        "alarms_firing": alarm_signal["firing"],
        "alarms": alarm_signal,
    }
    try:
        out["warehouse"] = warehouse_freshness(warehouse)
    except (WarehouseError, BotoCoreError, ClientError) as exc:
        out["warehouse"] = {"error": str(exc).splitlines()[0][:200]}
    out["unknown_signals"] = unknown_signals(out)
    out["healthy"] = healthy(out)
    return out


def unknown_signals(report: dict[str, Any]) -> list[str]:
    """The signals this target cannot give (`healthy` does not speak for them)."""
    unknown = [] if report.get("alarms", {}).get("evaluated", True) else ["alarms"]
    if "error" in report.get("warehouse", {}):
        unknown.append("warehouse")
    return unknown


def healthy(report: dict[str, Any]) -> bool:
    """No dead letter waiting, no failed execution, no alarm firing (among the signals known)."""
    return (
        not any(report["dead_letters"].values())
        and not any(w["failed"] for w in report["workflows"].values())
        and not report["alarms_firing"]
    )
