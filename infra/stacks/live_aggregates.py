"""The Lambda consumer: Kinesis → live aggregates in DynamoDB, for the dashboard.

The event source mapping reports partial batch failures, bisects a failing batch, retries a
bounded number of times, drops records older than the age limit and sends the metadata of
what it gave up on to an SQS queue (the records stay in the stream and in the lake; the KCL
consumer is the system of record).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.stacks.environment import names_of
from infra.stacks.secure import SecureTable


class LiveAggregates(Construct):
    """DynamoDB table, function and event source mapping of the live aggregates."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        stream: kinesis.IStream,
        lambda_asset: Path,
        failures: sqs.IQueue,
        retain: bool,
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        self.table = SecureTable(
            self,
            "Table",
            table_name=n.live_aggregates_table,
            keys=("pk", "sk"),
            retain=retain,
            ttl_attribute="expires_at",
            # No DynamoDB stream: nothing reads one (the consumer invokes the broadcaster), and
            # the local cloud kept every write's image in memory for the stream's 24 hours.
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=n.live_aggregates_function,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler="functions.live_aggregates.handler.handler",
            code=lambda_.Code.from_asset(str(lambda_asset)),
            timeout=Duration.seconds(60),
            memory_size=512,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "AGGREGATES_TABLE": self.table.table_name,
                "POWERTOOLS_SERVICE_NAME": "live-aggregates",
                "POWERTOOLS_METRICS_NAMESPACE": "ConcertDataPlatform",
            },
        )
        # Explicit actions (TransactWriteItems is authorized per contained action).
        self.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:BatchGetItem",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Query",
                    "dynamodb:ConditionCheckItem",
                ],
                resources=[self.table.table_arn],
            )
        )
        self.function.add_event_source(
            sources.KinesisEventSource(
                stream,
                starting_position=lambda_.StartingPosition.TRIM_HORIZON,
                # A delivery is counted in memory and written once per counter key: the bigger
                # the delivery, the fewer writes per event. 1,000 records is a full second of a
                # shard at its write limit; the 1 s window bounds the wait at low rates (the
                # live p95 target is 2 s at 1,000 events/s). ParallelizationFactor 1: the
                # shard's mark and window assume one invocation at a time per shard.
                batch_size=1_000,
                max_batching_window=Duration.seconds(1),
                report_batch_item_failures=True,
                bisect_batch_on_error=True,
                retry_attempts=5,
                max_record_age=Duration.hours(6),
                parallelization_factor=1,
                on_failure=sources.SqsDlq(failures),
            )
        )
