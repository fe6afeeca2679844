"""Alarms and a dashboard: the signals an operator watches, published to one SNS topic.

Alarms (no metric math, so the local cloud deploys them too): the stream's iterator age and
the Lambda consumer's, every dead-letter queue's depth, failed executions of every workflow,
and errors and throttles of every function. The dashboard shows the same signals side by side
with the stream's incoming records.
"""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cw
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra.stacks.environment import names_of, settings_of

FIVE_MINUTES = Duration.minutes(5)


def _age(ms: int) -> str:
    return "a minute" if ms == 60_000 else f"{ms / 1000:g} s"


class Monitoring(Construct):
    """The alarm topic, the alarms and the operations dashboard."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        stream: kinesis.IStream,
        stream_consumer: lambda_.IFunction,
        queues: dict[str, sqs.IQueue],
        state_machines: dict[str, sfn.IStateMachine],
        functions: list[lambda_.Function],
    ) -> None:
        super().__init__(scope, cid)
        limits = settings_of(self).alarms  # thresholds of this environment (infra/environments.toml)
        self.topic = sns.Topic(
            self,
            "Alarms",
            display_name="Concert Data Platform alarms",
            master_key=kms.Alias.from_alias_name(self, "SnsKey", "alias/aws/sns"),
        )
        self.alarms: list[cw.Alarm] = []
        self._alarm(
            "StreamIteratorAge",
            stream.metric_get_records_iterator_age_milliseconds(statistic="Maximum", period=FIVE_MINUTES),
            limits.iterator_age_ms,
            f"The events stream's oldest unread record is over {_age(limits.iterator_age_ms)} old: "
            "consumers are behind.",
        )
        self._alarm(
            "ConsumerIteratorAge",
            cw.Metric(
                namespace="AWS/Lambda",
                metric_name="IteratorAge",
                dimensions_map={"FunctionName": stream_consumer.function_name},
                statistic="Maximum",
                period=FIVE_MINUTES,
            ),
            limits.iterator_age_ms,
            f"The live-aggregates consumer is over {_age(limits.iterator_age_ms)} behind the stream.",
        )
        for name, queue in queues.items():
            self._alarm(
                f"{name}Depth",
                queue.metric_approximate_number_of_messages_visible(statistic="Maximum", period=FIVE_MINUTES),
                limits.dead_letters,
                f"Messages are waiting in {name}: look at `concert status` and replay after a fix.",
            )
        for name, machine in state_machines.items():
            self._alarm(
                f"{name}Failed",
                machine.metric_failed(statistic="Sum", period=FIVE_MINUTES),
                limits.failed_executions,
                f"A {name} execution failed: `concert workflows executions --status FAILED`, then redrive.",
            )
        for fn in functions:
            label = fn.node.path.replace("/", "")[-60:]
            self._alarm(
                f"{label}Errors",
                fn.metric_errors(statistic="Sum", period=FIVE_MINUTES),
                limits.function_errors,
                f"{fn.node.path}: the function returned errors.",
            )
            self._alarm(
                f"{label}Throttles",
                fn.metric_throttles(statistic="Sum", period=FIVE_MINUTES),
                limits.function_throttles,
                f"{fn.node.path}: invocations were throttled.",
            )
        self.dashboard = cw.Dashboard(self, "Dashboard", dashboard_name=names_of(self).operations_dashboard)
        self.dashboard.add_widgets(
            cw.GraphWidget(
                title="Stream: incoming records and iterator age",
                left=[stream.metric_incoming_records(statistic="Sum", period=Duration.minutes(1))],
                right=[stream.metric_get_records_iterator_age_milliseconds(statistic="Maximum")],
            ),
            cw.GraphWidget(
                title="Dead letters",
                left=[q.metric_approximate_number_of_messages_visible() for q in queues.values()],
            ),
            cw.GraphWidget(
                title="Workflow executions",
                left=[m.metric_succeeded(statistic="Sum") for m in state_machines.values()],
                right=[m.metric_failed(statistic="Sum") for m in state_machines.values()],
            ),
            cw.GraphWidget(
                title="Function errors and throttles",
                left=[fn.metric_errors(statistic="Sum") for fn in functions],
                right=[fn.metric_throttles(statistic="Sum") for fn in functions],
            ),
        )

    def _alarm(self, cid: str, metric: cw.Metric, threshold: float, description: str) -> None:
        alarm = metric.create_alarm(
            self,
            cid,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cw.ComparisonOperator.GREATER_THAN_THRESHOLD,
            treat_missing_data=cw.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        alarm.add_alarm_action(actions.SnsAction(self.topic))
        self.alarms.append(alarm)
