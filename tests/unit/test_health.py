"""The health report of `concert status` from fakes of SQS, Step Functions, CloudWatch and the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from consumers import pipeline_health as health
from infra.names import DEAD_LETTER_QUEUES as QUEUES


class Sqs:
    class exceptions:
        class QueueDoesNotExist(Exception):
            pass

    def __init__(self, depths: dict[str, int]) -> None:
        self.depths = depths

    def get_queue_url(self, QueueName: str) -> dict[str, str]:
        if QueueName not in self.depths:
            raise self.exceptions.QueueDoesNotExist()
        return {"QueueUrl": QueueName}

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        return {"Attributes": {"ApproximateNumberOfMessages": str(self.depths[QueueUrl])}}


class Pages:
    def __init__(self, pages: list[dict[str, Any]]) -> None:
        self.pages = pages

    def paginate(self, **_: Any) -> list[dict[str, Any]]:
        return self.pages


class Sfn:
    def __init__(self, failed: int) -> None:
        self.failed = failed

    def get_paginator(self, _name: str) -> Any:
        failed = self.failed

        class P:
            def paginate(self, stateMachineArn: str, statusFilter: str, **_: Any) -> list[dict[str, Any]]:
                n = failed if statusFilter == "FAILED" and stateMachineArn.endswith("concert-etl") else 0
                return [{"executions": [{}] * n}]

        return P()


class Cloudwatch:
    """Alarms `firing` in ALARM state, `quiet` in OK; `endpoint` is where the client points."""

    def __init__(
        self,
        firing: list[str],
        quiet: tuple[str, ...] = (),
        endpoint: str = "https://monitoring.us-east-1.amazonaws.com",
    ) -> None:
        self.firing, self.quiet = firing, quiet
        self.meta = SimpleNamespace(endpoint_url=endpoint)

    def get_paginator(self, _name: str) -> Any:
        alarms = [{"AlarmName": n, "StateValue": "ALARM"} for n in self.firing]
        alarms += [{"AlarmName": n, "StateValue": "OK"} for n in self.quiet]

        class P:
            def paginate(self, StateValue: str | None = None, **_: Any) -> list[dict[str, Any]]:
                return [{"MetricAlarms": [a for a in alarms if StateValue in (None, a["StateValue"])]}]

        return P()


class Warehouse:
    def __init__(self, last: datetime | None) -> None:
        self.last = last

    def query(self, sql: str) -> list[dict[str, Any]]:
        return [{"events": 10 if self.last else 0, "last_load": self.last}]


OUTPUTS = {"EtlStateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:concert-etl"}


def test_a_quiet_platform_is_healthy_and_each_signal_can_make_it_unhealthy() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    quiet: dict[str, Any] = {
        "dead_letters": health.dead_letters(Sqs({q: 0 for q in QUEUES}), QUEUES),
        "workflows": health.workflows(Sfn(0), OUTPUTS),
        "alarms_firing": health.alarms_firing(Cloudwatch([])),
        "warehouse": health.warehouse_freshness(Warehouse(now - timedelta(seconds=90)), now),
    }
    assert health.healthy(quiet) and quiet["warehouse"]["seconds_since_last_load"] == 90.0
    assert quiet["workflows"] == {"concert-etl": {"failed": 0, "running": 0}}
    assert not health.healthy({**quiet, "dead_letters": health.dead_letters(Sqs({QUEUES[0]: 3}), QUEUES)})
    assert not health.healthy({**quiet, "workflows": health.workflows(Sfn(2), OUTPUTS)})
    assert not health.healthy({**quiet, "alarms_firing": health.alarms_firing(Cloudwatch(["EtlFailed"]))})
    assert health.dead_letters(Sqs({}), QUEUES)[QUEUES[1]] is None
    assert health.warehouse_freshness(Warehouse(None), now)["last_load"] is None


def test_alarms_an_emulator_does_not_evaluate_are_unknown_not_clear() -> None:
    local = Cloudwatch(["EtlFailed"], quiet=("DlqDepth",), endpoint="http://localhost:4566")
    report = health.report(
        Sqs({q: 0 for q in QUEUES}), Sfn(0), local, Warehouse(datetime.now(UTC)), OUTPUTS, QUEUES
    )
    alarms = report["alarms"]
    assert alarms["evaluated"] is False and "not evaluated" in alarms["reason"] and alarms["defined"] == 2
    assert alarms["firing"] == [] == report["alarms_firing"], "an emulator's alarm state is not a signal"
    assert report["unknown_signals"] == ["alarms"]
    assert report["healthy"] is True, "healthy speaks for the known signals; unknown_signals says the rest"

    aws = Cloudwatch(["EtlFailed"], quiet=("DlqDepth",))
    report = health.report(
        Sqs({q: 0 for q in QUEUES}), Sfn(0), aws, Warehouse(datetime.now(UTC)), OUTPUTS, QUEUES
    )
    assert report["alarms"] == {"evaluated": True, "reason": None, "defined": 2, "firing": ["EtlFailed"]}
    assert report["alarms_firing"] == ["EtlFailed"] and report["unknown_signals"] == []
    assert report["healthy"] is False
    forced = health.alarms(local, evaluated=True)
    assert forced["evaluated"] is True and forced["firing"] == ["EtlFailed"]


def test_the_cli_names_the_models_primary_metrics_as_the_trainer_does() -> None:
    from concert.cli_status import MODEL_PRIMARY_METRICS
    from ml.models import SPECS

    assert {name: s.primary for name, s in SPECS.items()} == MODEL_PRIMARY_METRICS
