"""The health report of `concert status` from fakes of SQS, Step Functions, CloudWatch and the warehouse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from consumers import pipeline_health as health
from infra.names import DEAD_LETTER_QUEUES as QUEUES
from tests.fakes.pipeline_signals import Cloudwatch, Sqs
from tests.fakes.stepfunctions import etl_with_failures
from tests.fakes.warehouse import loaded_at

OUTPUTS = {"EtlStateMachineArn": "arn:aws:states:us-east-1:1:stateMachine:concert-etl"}


def test_a_quiet_platform_is_healthy_and_each_signal_can_make_it_unhealthy() -> None:
    now = datetime(2026, 11, 22, tzinfo=UTC)
    quiet: dict[str, Any] = {
        "dead_letters": health.dead_letters(Sqs({q: 0 for q in QUEUES}), QUEUES),
        "workflows": health.workflows(etl_with_failures(0), OUTPUTS),
        "alarms_firing": health.alarms_firing(Cloudwatch([])),
        "warehouse": health.warehouse_freshness(loaded_at(now - timedelta(seconds=90)), now),
    }
    assert health.healthy(quiet) and quiet["warehouse"]["seconds_since_last_load"] == 90.0
    assert quiet["workflows"] == {"concert-etl": {"failed": 0, "running": 0}}
    assert not health.healthy({**quiet, "dead_letters": health.dead_letters(Sqs({QUEUES[0]: 3}), QUEUES)})
    assert not health.healthy({**quiet, "workflows": health.workflows(etl_with_failures(2), OUTPUTS)})
    assert not health.healthy({**quiet, "alarms_firing": health.alarms_firing(Cloudwatch(["EtlFailed"]))})
    assert health.dead_letters(Sqs({}), QUEUES)[QUEUES[1]] is None
    assert health.warehouse_freshness(loaded_at(None), now)["last_load"] is None


def test_alarms_an_emulator_does_not_evaluate_are_unknown_not_clear() -> None:
    local = Cloudwatch(["EtlFailed"], quiet=("DlqDepth",), endpoint="http://localhost:4566")
    report = health.report(
        Sqs({q: 0 for q in QUEUES}),
        etl_with_failures(0),
        local,
        loaded_at(datetime.now(UTC)),
        OUTPUTS,
        QUEUES,
    )
    alarms = report["alarms"]
    assert alarms["evaluated"] is False and "not evaluated" in alarms["reason"] and alarms["defined"] == 2
    assert alarms["firing"] == [] == report["alarms_firing"], "an emulator's alarm state is not a signal"
    assert report["unknown_signals"] == ["alarms"]
    assert report["healthy"] is True, "healthy speaks for the known signals; unknown_signals says the rest"

    aws = Cloudwatch(["EtlFailed"], quiet=("DlqDepth",))
    report = health.report(
        Sqs({q: 0 for q in QUEUES}), etl_with_failures(0), aws, loaded_at(datetime.now(UTC)), OUTPUTS, QUEUES
    )
    assert report["alarms"] == {"evaluated": True, "reason": None, "defined": 2, "firing": ["EtlFailed"]}
    assert report["alarms_firing"] == ["EtlFailed"] and report["unknown_signals"] == []
    assert report["healthy"] is False
    forced = health.alarms(local, evaluated=True)
    assert forced["evaluated"] is True and forced["firing"] == ["EtlFailed"]


def test_the_cli_names_the_models_primary_metrics_as_the_trainer_does() -> None:
    from concert.status import MODEL_PRIMARY_METRICS
    from ml.models import SPECS

    assert {name: s.primary for name, s in SPECS.items()} == MODEL_PRIMARY_METRICS
