"""The KCL worker on AWS: an ECS Fargate service running `python -m consumers.kcl_worker`.

- Image: built from this repository (`consumers/Dockerfile`, the repository root as context,
  `.dockerignore` keeping it to the packages the worker imports) by the CDK asset. Synthesis only
  fingerprints and stages the directory; Docker runs when `cdk deploy` publishes the asset.
- Task role: the warehouse's `ConsumerRole` (it already trusts `ecs-tasks.amazonaws.com`), with
  what the worker needs on top (`grant_worker`, granted whether or not the service is deployed,
  so a worker run elsewhere under that role has the same rights).
- Network: a two-AZ VPC with public subnets only and a public IP per task, no inbound rule and
  outbound HTTPS only. A NAT gateway (~$33/month per AZ plus $0.045/GB) or the ten interface
  endpoints the worker's APIs would need (~$15/month each over two AZs) cost more than the worker
  itself; the gateway endpoints for S3 and DynamoDB are free and carry the lake and lease traffic.
- Tracing: an AWS Distro for OpenTelemetry (ADOT) collector sidecar. It accepts X-Ray SDK
  segments on UDP 2000 (what the X-Ray daemon did: the daemon and the X-Ray SDKs are in
  maintenance mode since 2026-02-25) and OTLP on 4317/4318, and exports to X-Ray.
- Scaling: desired count = the stream's shard count (KCL takes one lease per shard: more tasks
  than shards idle); step scaling between `worker_min_tasks` and `worker_max_tasks` on the
  stream's `GetRecords.IteratorAgeMilliseconds` (Maximum, one minute).
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import names
from infra.bundle import ROOT
from infra.stacks.environment import names_of

# The default environment's lease table name and KCL CloudWatch namespace (infra/names.py);
# the stack passes each environment its own (`Names.kcl_application`).
APPLICATION = names.KCL_APPLICATION
# KCL v3 keeps leases in `<app>` and creates `<app>-CoordinatorState` and `<app>-WorkerMetricStats`.
LEASE_TABLE_SUFFIXES = ("", "-CoordinatorState", "-WorkerMetricStats")
# What the worker writes to the lake (pipeline, shard state, landing ledger) and may delete.
WORKER_LAKE_PREFIXES = ("raw", "curated", "dead", "state", "ledger/landed")
ADOT_IMAGE = "public.ecr.aws/aws-observability/aws-otel-collector:v0.43.3"
# X-Ray SDK segments (UDP 2000) and OTLP (localhost only) to X-Ray.
ADOT_CONFIG = """\
receivers:
  awsxray:
    endpoint: 127.0.0.1:2000
    transport: udp
    proxy_server:
      endpoint: 127.0.0.1:2000
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:4317
      http:
        endpoint: 127.0.0.1:4318
processors:
  batch/traces:
    timeout: 1s
    send_batch_size: 50
exporters:
  awsxray: {}
service:
  pipelines:
    traces:
      receivers: [awsxray, otlp]
      processors: [batch/traces]
      exporters: [awsxray]
"""
# Step scaling on the iterator age (ms): scale in below 10 s, out from 1 min, faster from 5 min.
SCALE_IN_BELOW_MS = 10_000
SCALE_OUT_FROM_MS = 60_000
SCALE_OUT_FAST_FROM_MS = 300_000


@dataclass(frozen=True)
class WorkerCapacity:
    """How many tasks: the desired count at deploy time and the scaling range."""

    desired: int
    minimum: int
    maximum: int

    @classmethod
    def from_context(cls, scope: Construct, shards: int | None) -> WorkerCapacity:
        """From the shard count (None: an on-demand stream) and `worker_*_tasks` context."""

        def ctx(key: str, default: int) -> int:
            value = scope.node.try_get_context(key)
            return int(value) if value is not None else default

        desired = ctx("worker_tasks", shards or 2)
        maximum = ctx("worker_max_tasks", max(desired, shards or 4))
        minimum = ctx("worker_min_tasks", 1)
        if not 1 <= minimum <= desired <= maximum:
            raise ValueError(f"worker tasks: want 1 <= min {minimum} <= desired {desired} <= max {maximum}")
        return cls(desired, minimum, maximum)


def deploys_worker_service(scope: Construct, *, separate_ml_asset: bool) -> bool:
    """Whether this synthesis runs the worker as an ECS service (`kcl_worker=ecs`) or leaves it to
    the CLI, which starts it as a local process (`kcl_worker=process`).

    A synth-time switch, not a CloudFormation condition: the local cloud has no ECS, and a
    conditional service would still make every local synthesis stage the repository for the image
    asset. Without the context key the AWS synthesis gets the service and the local one does not:
    `infra.app.synthesize(for_aws=True)` is the only caller that bundles a separate ML asset, so
    that is how the stack tells the two apart (the app passes no target of its own).
    """
    value = scope.node.try_get_context("kcl_worker")
    if value is None:
        return separate_ml_asset
    if str(value) not in ("ecs", "process"):
        raise ValueError(f"kcl_worker: want ecs or process, got {value!r}")
    return str(value) == "ecs"


def grant_worker(role: iam.IRole, *, lake: s3.IBucket, quarantine: s3.IBucket, application: str) -> None:
    """What the worker needs beyond the consumer role's base grants (stream read, lease CRUD,
    lake Get/Put, DLQ, Data API): explicit actions on named resources, no wildcards."""
    stack = cdk.Stack.of(role)
    tables = [
        f"arn:{stack.partition}:dynamodb:{stack.region}:{stack.account}:table/{application}{suffix}"
        for suffix in LEASE_TABLE_SUFFIXES
    ]
    for statement in (
        # KCL v3 adds the LeaseOwnerToLeaseKeyIndex GSI to the lease table and may enable PITR.
        iam.PolicyStatement(
            actions=["dynamodb:UpdateTable", "dynamodb:UpdateContinuousBackups"], resources=tables
        ),
        iam.PolicyStatement(
            actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
            resources=[lake.arn_for_objects(f"{prefix}/*") for prefix in WORKER_LAKE_PREFIXES],
        ),
        iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn]),
        # Dead letters' raw bytes (consumers/dead_letter_queue.py).
        iam.PolicyStatement(actions=["s3:PutObject"], resources=[quarantine.arn_for_objects("dlq/*")]),
        # PutMetricData takes no resource: the condition holds it to KCL's namespace.
        iam.PolicyStatement(
            actions=["cloudwatch:PutMetricData"],
            resources=["*"],
            conditions={"StringEquals": {"cloudwatch:namespace": application}},
        ),
    ):
        role.add_to_principal_policy(statement)


class KclWorkerService(Construct):
    """VPC, cluster, task definition (worker + ADOT collector), service, logs and scaling."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        stream: kinesis.IStream,
        task_role: iam.IRole,
        environment: dict[str, str],
        capacity: WorkerCapacity,
    ) -> None:
        super().__init__(scope, cid)
        stack = cdk.Stack.of(self)
        service_name = names_of(self).kcl_service
        flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr("10.42.0.0/24"),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public",
                    subnet_type=ec2.SubnetType.PUBLIC,
                    cidr_mask=26,
                    map_public_ip_on_launch=False,
                )
            ],
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=self.vpc,
            allow_all_outbound=False,
            description="KCL worker: no inbound; outbound HTTPS to the AWS APIs",
        )
        self.security_group.add_egress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(443), "AWS APIs over TLS")
        self.cluster = ecs.Cluster(
            self, "Cluster", vpc=self.vpc, container_insights_v2=ecs.ContainerInsights.ENABLED
        )

        self.log_group = logs.LogGroup(
            self, "Logs", retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
        )
        self.task_definition = ecs.FargateTaskDefinition(
            self,
            "Task",
            family=service_name,
            cpu=512,
            memory_limit_mib=1024,
            task_role=task_role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        # The root filesystems are read-only; /tmp is the task's ephemeral storage.
        self.task_definition.add_volume(name="tmp")
        self.worker = self.task_definition.add_container(
            "Worker",
            container_name="kcl-worker",
            image=ecs.ContainerImage.from_asset(
                str(ROOT), file="consumers/Dockerfile", platform=ecr_assets.Platform.LINUX_AMD64
            ),
            essential=True,
            memory_reservation_mib=768,
            readonly_root_filesystem=True,
            stop_timeout=Duration.seconds(120),  # SIGTERM: finish the batch, checkpoint, release leases
            environment={
                **environment,
                "AWS_REGION": stack.region,
                "POWERTOOLS_SERVICE_NAME": "kcl-worker",
                "AWS_XRAY_DAEMON_ADDRESS": "127.0.0.1:2000",
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318",
                "OTEL_SERVICE_NAME": service_name,
            },
            logging=ecs.LogDrivers.aws_logs(stream_prefix="worker", log_group=self.log_group),
        )
        self.worker.add_mount_points(
            ecs.MountPoint(container_path="/tmp", source_volume="tmp", read_only=False)  # noqa: S108 (the task volume)
        )
        # Not essential: a collector that stops costs traces, never the consumer.
        self.task_definition.add_container(
            "Collector",
            container_name="adot-collector",
            image=ecs.ContainerImage.from_registry(ADOT_IMAGE),
            essential=False,
            cpu=64,
            memory_limit_mib=256,
            readonly_root_filesystem=True,
            environment={"AOT_CONFIG_CONTENT": ADOT_CONFIG, "AWS_REGION": stack.region},
            logging=ecs.LogDrivers.aws_logs(stream_prefix="adot", log_group=self.log_group),
        )
        task_role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=[
                    "xray:PutTraceSegments",
                    "xray:PutTelemetryRecords",
                    "xray:GetSamplingRules",
                    "xray:GetSamplingTargets",
                ],
                resources=["*"],  # X-Ray actions take no resource-level restriction
            )
        )

        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=service_name,
            cluster=self.cluster,
            task_definition=self.task_definition,
            desired_count=capacity.desired,
            assign_public_ip=True,
            vpc_subnets=ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC),
            security_groups=[self.security_group],
            platform_version=ecs.FargatePlatformVersion.LATEST,
            circuit_breaker=ecs.DeploymentCircuitBreaker(enable=True, rollback=True),
            min_healthy_percent=100,
            max_healthy_percent=200,
        )
        self.scaling = self.service.auto_scale_task_count(
            min_capacity=capacity.minimum, max_capacity=capacity.maximum
        )
        self.iterator_age = stream.metric_get_records_iterator_age_milliseconds(
            statistic="Maximum", period=Duration.minutes(1)
        )
        self.scaling.scale_on_metric(
            "IteratorAge",
            metric=self.iterator_age,
            scaling_steps=[
                appscaling.ScalingInterval(upper=SCALE_IN_BELOW_MS, change=-1),
                appscaling.ScalingInterval(lower=SCALE_OUT_FROM_MS, change=+1),
                appscaling.ScalingInterval(lower=SCALE_OUT_FAST_FROM_MS, change=+2),
            ],
            adjustment_type=appscaling.AdjustmentType.CHANGE_IN_CAPACITY,
            cooldown=Duration.minutes(5),
            evaluation_periods=5,
        )
