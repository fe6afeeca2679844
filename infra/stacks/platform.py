"""The platform stack: event streams, the lake's buckets, the DLQ and the upload ingester.

Stream choice (docs/decisions.md, "One events stream, keyed by concert"): one stream
`concert-events` carries every event type. Concert and ticket events share the concert id as
partition key, so a concert's schedule, sales and refunds arrive in order on one shard;
catalog events are keyed by their own id. Two provisioned shards by default (enough for
~2,000 records/s in, and it exercises multi-shard leases locally); set the `shards` context,
or `on_demand=true`, for production.
"""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import (
    Duration,
)
from aws_cdk import (
    aws_iam as iam,
)
from aws_cdk import (
    aws_kinesis as kinesis,
)
from aws_cdk import (
    aws_lambda as lambda_,
)
from aws_cdk import (
    aws_lambda_event_sources as sources,
)
from aws_cdk import (
    aws_s3 as s3,
)
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import names
from infra.stacks.accepted_findings import CfnLintSuppressions, CheckovSuppressions
from infra.stacks.chat import Chat
from infra.stacks.dashboard import Dashboard
from infra.stacks.environment import names_of, settings_of
from infra.stacks.lake_catalog import LakeCatalog
from infra.stacks.lake_governance import LakeGovernance
from infra.stacks.live_aggregates import LiveAggregates
from infra.stacks.ml import MachineLearning, _arn
from infra.stacks.monitoring import Monitoring
from infra.stacks.secure import SecureBucket, SecureQueue
from infra.stacks.warehouse import Warehouse
from infra.stacks.worker import (
    KclWorkerService,
    WorkerCapacity,
    deploys_worker_service,
    grant_worker,
)
from infra.stacks.workflows import CompactionWorkflow, EtlWorkflow


class PlatformStack(cdk.Stack):
    """Everything the platform deploys, on AWS and in the local cloud alike."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lambda_asset: Path,
        ml_asset: Path,
        training_source: Path,
        **kwargs: object,
    ) -> None:
        super().__init__(scope, cid, **kwargs)  # type: ignore[arg-type]
        n = self.names = names_of(self)
        settings = self.settings = settings_of(self)
        retain = settings.retain_data
        on_demand = settings.on_demand
        shards = settings.shards

        self.stream = kinesis.Stream(
            self,
            "EventsStream",
            stream_name=n.events_stream,
            encryption=kinesis.StreamEncryption.MANAGED,
            stream_mode=kinesis.StreamMode.ON_DEMAND if on_demand else kinesis.StreamMode.PROVISIONED,
            shard_count=None if on_demand else shards,
            retention_period=Duration.hours(settings.stream_retention_hours),
        )
        self.access_logs = SecureBucket(self, "AccessLogsBucket", retain=retain)
        self.raw_bucket = SecureBucket(self, "RawBucket", retain=retain, access_logs=self.access_logs)
        self.lake_bucket = SecureBucket(self, "LakeBucket", retain=retain, access_logs=self.access_logs)
        self.quarantine_bucket = SecureBucket(
            self, "QuarantineBucket", retain=retain, access_logs=self.access_logs
        )
        self.dlq = SecureQueue(self, "EventsDlq", queue_name=n.dlq_queue)
        upload_failures = SecureQueue(self, "UploadFailures", queue_name=n.upload_failures_queue)

        self.upload_ingest = lambda_.Function(
            self,
            "UploadIngest",
            function_name=n.upload_ingest_function,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler="functions.upload_ingest.handler.handler",
            code=lambda_.Code.from_asset(str(lambda_asset)),
            timeout=Duration.minutes(5),
            memory_size=512,
            reserved_concurrent_executions=None,
            dead_letter_queue=upload_failures,
            retry_attempts=2,
            tracing=lambda_.Tracing.ACTIVE,
            environment={
                "EVENTS_STREAM": self.stream.stream_name,
                "QUARANTINE_BUCKET": self.quarantine_bucket.bucket_name,
                "POWERTOOLS_SERVICE_NAME": "upload-ingest",
            },
        )
        self.stream.grant_write(self.upload_ingest)
        # Explicit actions on prefixes, not CDK's grant_read/grant_put (they add `s3:GetObject*`, ...).
        self.upload_ingest.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[self.raw_bucket.arn_for_objects(f"{names.UPLOAD_PREFIX}*")],
            )
        )
        self.upload_ingest.add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[self.quarantine_bucket.arn_for_objects("reports/*")],
            )
        )
        self.upload_ingest.add_event_source(
            sources.S3EventSource(
                self.raw_bucket,
                events=[s3.EventType.OBJECT_CREATED],
                filters=[s3.NotificationKeyFilter(prefix=names.UPLOAD_PREFIX)],
            )
        )

        # A producer role for external publishers: PutRecords on this stream only.
        producer_role = iam.Role(
            self,
            "ProducerRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="Publishes concert events to the events stream",
        )
        self.stream.grant_write(producer_role)

        live_failures = SecureQueue(
            self, "LiveAggregatesFailures", queue_name=n.live_aggregates_failures_queue
        )
        self.live = LiveAggregates(
            self,
            "LiveAggregates",
            stream=self.stream,
            lambda_asset=lambda_asset,
            failures=live_failures,
            retain=retain,
        )
        self.catalog = LakeCatalog(self, "LakeCatalog", lake=self.lake_bucket)
        self.warehouse = Warehouse(self, "Warehouse", lake=self.lake_bucket, stream=self.stream, dlq=self.dlq)
        self.governance = LakeGovernance(
            self, "LakeGovernance", lake=self.lake_bucket, tables=self.catalog.tables,
            pipeline=self.warehouse.copy_role, after=self.catalog,
        )  # fmt: skip
        self.etl = EtlWorkflow(
            self, "Etl", lambda_asset=lambda_asset, lake=self.lake_bucket, warehouse_env=self.warehouse.env()
        )
        self.compaction = CompactionWorkflow(
            self,
            "Compaction",
            lambda_asset=lambda_asset,
            lake=self.lake_bucket,
            bus=self.etl.event_bus,
            warehouse_env=self.warehouse.env(),
            min_files=settings.compact_min_files,
        )
        self.models_bucket = SecureBucket(self, "ModelsBucket", retain=retain, access_logs=self.access_logs)
        self.ml = MachineLearning(
            self,
            "MachineLearning",
            ml_asset=ml_asset,
            training_source=training_source,
            models=self.models_bucket,
            bus=self.etl.event_bus,
            warehouse_env=self.warehouse.env(),
            retain=retain,
        )
        pipeline_machines: dict[str, sfn.IStateMachine] = {
            "EtlStateMachineArn": self.etl.state_machine,
            "CompactionStateMachineArn": self.compaction.state_machine,
            "RetrainStateMachineArn": self.ml.state_machine,
        }
        self.chat = Chat(
            self,
            "Chat",
            lambda_asset=lambda_asset,
            ml_asset=ml_asset,
            models=self.models_bucket,
            registry_table=self.ml.registry.table_name,
            registry_arn=self.ml.registry.table_arn,
            pipeline_machines=pipeline_machines,
            dead_letter_queues=[self.dlq, upload_failures, live_failures],
            warehouse_env=self.warehouse.env(),
            query_env=self.warehouse.chat_env(),
            retain=retain,
        )
        self.ml.invoke_role.add_to_policy(self.chat.client_policy)
        self.dashboard = Dashboard(
            self,
            "Dashboard",
            lambda_asset=lambda_asset,
            ml_asset=ml_asset,
            aggregates=self.live.table,
            access_logs=self.access_logs,
            api_environment={
                **self.warehouse.env(),
                "MODELS_BUCKET": self.models_bucket.bucket_name,
                "REGISTRY_TABLE": self.ml.registry.table_name,
                "SESSIONS_TABLE": self.chat.sessions.table_name,
                "CHAT_STATE_MACHINE_ARN": self.chat.state_machine.state_machine_arn,
                "PIPELINE_STATE_MACHINES": self.to_json_string(
                    {k: m.state_machine_arn for k, m in pipeline_machines.items()}
                ),
                "DEAD_LETTER_QUEUES": json.dumps(n.dead_letter_queues),
            },
            retain=retain,
        )
        # The consumer tells the broadcaster what it changed (asynchronously, never waiting).
        self.live.function.add_environment("BROADCAST_FUNCTION", self.dashboard.broadcast.function_name)
        self.dashboard.broadcast.grant_invoke(self.live.function)
        self._grant_dashboard_api(
            self.dashboard.api_function,
            [*pipeline_machines.values(), self.chat.state_machine],
            [self.dlq, upload_failures, live_failures],
        )
        for fn in [
            *self.etl.functions.values(),
            self.compaction.functions["PlanArn"],
            *self.ml.functions.values(),
            self.ml.predictions,
            self.chat.plan,
            *self.chat.tools.values(),
            self.dashboard.api_function,
        ]:
            assert fn.role is not None
            self.warehouse.grant_data_api(fn.role)
        self.warehouse.consumer_role.add_to_policy(
            iam.PolicyStatement(actions=["events:PutEvents"], resources=[self.etl.event_bus.event_bus_arn])
        )
        grant_worker(
            self.warehouse.consumer_role,
            lake=self.lake_bucket,
            quarantine=self.quarantine_bucket,
            application=n.kcl_application,
        )
        # The KCL worker: an ECS service on AWS; locally the CLI runs it as a process.
        self.worker: KclWorkerService | None = None
        if deploys_worker_service(self, separate_ml_asset=ml_asset != lambda_asset):
            self.worker = KclWorkerService(
                self,
                "KclWorker",
                stream=self.stream,
                task_role=self.warehouse.consumer_role,
                environment={
                    "CONCERT_KCL_STREAM": self.stream.stream_name,
                    "CONCERT_KCL_APPLICATION": n.kcl_application,
                    "CONCERT_KCL_LAKE_BUCKET": self.lake_bucket.bucket_name,
                    "CONCERT_KCL_QUARANTINE_BUCKET": self.quarantine_bucket.bucket_name,
                    "CONCERT_KCL_DLQ_URL": self.dlq.queue_url,
                    "CONCERT_KCL_EVENT_BUS": self.etl.event_bus.event_bus_name,
                    **self.warehouse.env(),
                },
                capacity=WorkerCapacity.from_context(self, None if on_demand else shards),
            )

        self.monitoring = Monitoring(
            self,
            "Monitoring",
            stream=self.stream,
            stream_consumer=self.live.function,
            queues={
                "EventsDlq": self.dlq,
                "UploadFailures": upload_failures,
                "LiveAggregatesFailures": live_failures,
            },
            state_machines={
                "Etl": self.etl.state_machine,
                "Compaction": self.compaction.state_machine,
                "Retrain": self.ml.state_machine,
                "Chat": self.chat.state_machine,
            },
            functions=[
                self.upload_ingest,
                self.live.function,
                *self.etl.functions.values(),
                *self.compaction.functions.values(),
                *self.ml.functions.values(),
                self.ml.predictions,
                *self.chat.functions,
                *self.dashboard.functions,
            ],
        )
        cdk.Aspects.of(self).add(CfnLintSuppressions())
        cdk.Aspects.of(self).add(CheckovSuppressions())

        for key, value in {
            "EventsStreamName": self.stream.stream_name,
            "EventsStreamArn": self.stream.stream_arn,
            "RawBucketName": self.raw_bucket.bucket_name,
            "LakeBucketName": self.lake_bucket.bucket_name,
            "QuarantineBucketName": self.quarantine_bucket.bucket_name,
            "DlqUrl": self.dlq.queue_url,
            "UploadIngestFunctionName": self.upload_ingest.function_name,
            "ProducerRoleArn": producer_role.role_arn,
            "LiveAggregatesTableName": self.live.table.table_name,
            "LiveAggregatesFunctionName": self.live.function.function_name,
            "GlueDatabaseName": self.catalog.database_name,
            "ConsumerRoleArn": self.warehouse.consumer_role.role_arn,
            "EtlStateMachineArn": self.etl.state_machine.state_machine_arn,
            "CompactionStateMachineArn": self.compaction.state_machine.state_machine_arn,
            "ModelsBucketName": self.models_bucket.bucket_name,
            "ModelRegistryTableName": self.ml.registry.table_name,
            "RetrainStateMachineArn": self.ml.state_machine.state_machine_arn,
            "PredictionsApiUrl": self.ml.api.api_endpoint,
            "PredictionsClientRoleArn": self.ml.invoke_role.role_arn,
            "ChatApiUrl": self.chat.api.api_endpoint,
            "ChatStateMachineArn": self.chat.state_machine.state_machine_arn,
            "ChatSessionsTableName": self.chat.sessions.table_name,
            "AlarmTopicArn": self.monitoring.topic.topic_arn,
            "DashboardApiUrl": self.dashboard.api.api_endpoint,
            "DashboardWebSocketUrl": self.dashboard.ws_stage.url,
            "DashboardSigningSecretArn": self.dashboard.signing_key.secret_arn,
            "DashboardConnectionsTableName": self.dashboard.connections.table_name,
            "WebBucketName": self.dashboard.web_bucket.bucket_name,
            "WebUrl": f"https://{self.dashboard.distribution.distribution_domain_name}",
        }.items():
            cdk.CfnOutput(self, key, value=value)
        if self.worker is not None:
            for key, value in {
                "WorkerClusterName": self.worker.cluster.cluster_name,
                "WorkerServiceName": self.worker.service.service_name,
                "WorkerLogGroupName": self.worker.log_group.log_group_name,
            }.items():
                cdk.CfnOutput(self, key, value=value)

    def _grant_dashboard_api(
        self, fn: lambda_.Function, machines: list[sfn.IStateMachine], queues: list[sqs.IQueue]
    ) -> None:
        """What the dashboard API reads and operates: models, chat, workflows, health."""
        models = self.models_bucket.arn_for_objects("models/*")
        arns = [m.state_machine_arn for m in machines]
        executions = [
            _arn(self, "states", "execution", f"{name}:*", colon=True) for name in self.names.state_machines
        ]
        for statement in (
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[models]),
            iam.PolicyStatement(
                actions=["dynamodb:GetItem"],
                resources=[self.ml.registry.table_arn, self.chat.sessions.table_arn],
            ),
            iam.PolicyStatement(actions=["states:ListExecutions", "states:StartExecution"], resources=arns),
            iam.PolicyStatement(
                actions=["states:DescribeExecution", "states:GetExecutionHistory", "states:RedriveExecution"],
                resources=executions,
            ),
            iam.PolicyStatement(
                actions=["sqs:GetQueueUrl", "sqs:GetQueueAttributes"], resources=[q.queue_arn for q in queues]
            ),
            # ListStateMachines and DescribeAlarms take no resource-level restriction.
            iam.PolicyStatement(
                actions=["states:ListStateMachines", "cloudwatch:DescribeAlarms"], resources=["*"]
            ),
        ):
            fn.add_to_role_policy(statement)
