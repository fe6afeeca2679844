"""The ETL workflow: Step Functions from state_machines/etl.asl.json (load cycles over the
landing ledger), its task functions, and the EventBridge rule that starts it when a curated
batch lands (never a schedule). The buffering policy comes from the `load_max_wait_s`,
`load_min_rows` and `load_max_batches` context (local defaults: load at once; the AWS synth
sets 300 s and 50,000 rows, see infra/app.py)."""

from __future__ import annotations

from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from consumers.etl.events import BATCH_LANDED, SOURCE_LAKE, SOURCE_WAREHOUSE, WAREHOUSE_UPDATED
from infra.bundle import ROOT
from infra.stacks.environment import names_of, settings_of

ETL_ASL = ROOT / "state_machines" / "etl.asl.json"
TASKS = {  # substitution in the ASL -> task module in functions/etl
    "PlanCycleArn": "plan_cycle",
    "CheckBatchesArn": "check_batches",
    "LoadCycleArn": "load_cycle",
    "EmitUpdatedArn": "emit_updated",
}


def task_function(
    scope: Construct,
    *,
    package: str,
    module: str,
    name: str,
    asset: Path,
    timeout: Duration,
    memory_mb: int,
    environment: dict[str, str],
    handler: str | None = None,
) -> lambda_.Function:
    """One workflow task: `functions.<package>.<module>.handler` (or `handler`), traced."""
    return lambda_.Function(
        scope,
        "".join(p.title() for p in module.split("_")),
        function_name=name,
        runtime=lambda_.Runtime.PYTHON_3_11,
        architecture=lambda_.Architecture.X86_64,
        handler=handler or f"functions.{package}.{module}.handler",
        code=lambda_.Code.from_asset(str(asset)),
        timeout=timeout,
        memory_size=memory_mb,
        tracing=lambda_.Tracing.ACTIVE,
        environment=environment,
    )


def event_started_workflow(
    scope: Construct,
    *,
    name: str,
    asl: Path,
    functions: dict[str, lambda_.Function],
    bus: events.IEventBus,
    rule_id: str,
    description: str,
    pattern: events.EventPattern,
    substitutions: dict[str, str] | None = None,
) -> sfn.StateMachine:
    """A Standard state machine from an ASL file (inline, so cfn-lint checks it), its task
    functions substituted and invokable, started by an EventBridge rule (never a schedule)."""
    machine = sfn.StateMachine(
        scope,
        "StateMachine",
        state_machine_name=name,
        state_machine_type=sfn.StateMachineType.STANDARD,
        definition_body=sfn.DefinitionBody.from_string(asl.read_text()),
        definition_substitutions={key: fn.function_arn for key, fn in functions.items()}
        | (substitutions or {}),
        tracing_enabled=True,
        timeout=Duration.hours(1),
    )
    for fn in functions.values():
        fn.grant_invoke(machine)
    events.Rule(
        scope,
        rule_id,
        event_bus=bus,
        description=description,
        event_pattern=pattern,
        targets=[targets.SfnStateMachine(machine, retry_attempts=8, max_event_age=Duration.hours(2))],
    )
    return machine


class EtlWorkflow(Construct):
    """Task functions, state machine and trigger of the ETL."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lambda_asset: Path,
        lake: s3.IBucket,
        warehouse_env: dict[str, str],
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        bus = events.EventBus.from_event_bus_name(self, "DefaultBus", "default")
        settings = settings_of(self)  # the load cycle's buffering policy
        buffering = {
            "LOAD_MAX_WAIT_S": str(settings.load_max_wait_s),
            "LOAD_MIN_ROWS": str(settings.load_min_rows),
            "LOAD_MAX_BATCHES": str(settings.load_max_batches),
        }
        self.functions: dict[str, lambda_.Function] = {}
        for key, module in TASKS.items():
            fn = task_function(
                self,
                package="etl",
                module=module,
                name=f"{n.etl_function_prefix}{module.replace('_', '-')}",
                asset=lambda_asset,
                timeout=Duration.minutes(5),
                memory_mb=1024,
                environment={
                    "EVENT_BUS": bus.event_bus_name,
                    "LAKE_BUCKET": lake.bucket_name,
                    "POWERTOOLS_SERVICE_NAME": "etl",
                    **buffering,
                    **warehouse_env,
                },
            )
            self.functions[key] = fn
        read = iam.PolicyStatement(
            actions=["s3:GetObject"],
            resources=[
                lake.arn_for_objects("curated/*"),
                lake.arn_for_objects("manifests/*"),
                lake.arn_for_objects("ledger/*"),
            ],
        )
        for fn in self.functions.values():
            fn.add_to_role_policy(read)
            fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn]))
        writes = {
            "PlanCycleArn": (["s3:PutObject"], "ledger/cycles/*"),
            "CheckBatchesArn": (["s3:PutObject"], "quality/*"),
            "LoadCycleArn": (["s3:PutObject"], "manifests/cycles/*"),
        }
        for key, (actions, prefix) in writes.items():
            self.functions[key].add_to_role_policy(
                iam.PolicyStatement(actions=actions, resources=[lake.arn_for_objects(prefix)])
            )
        self.functions["PlanCycleArn"].add_to_role_policy(  # has the lease's holder ended?
            iam.PolicyStatement(
                actions=["states:DescribeExecution"],
                resources=[
                    cdk.Arn.format(
                        cdk.ArnComponents(
                            service="states",
                            resource="execution",
                            resource_name=f"{n.etl_state_machine}:*",
                            arn_format=cdk.ArnFormat.COLON_RESOURCE_NAME,
                        ),
                        cdk.Stack.of(self),
                    )
                ],
            )
        )
        self.functions["PlanCycleArn"].add_to_role_policy(  # finished landing-ledger entries
            iam.PolicyStatement(
                actions=["s3:DeleteObject"], resources=[lake.arn_for_objects("ledger/landed/*")]
            )
        )
        self.functions["EmitUpdatedArn"].add_to_role_policy(
            iam.PolicyStatement(actions=["events:PutEvents"], resources=[bus.event_bus_arn])
        )

        self.state_machine = event_started_workflow(
            self,
            name=n.etl_state_machine,
            asl=ETL_ASL,
            functions=self.functions,
            bus=bus,
            rule_id="BatchLanded",
            description="Start the ETL when the KCL consumer lands a curated batch",
            pattern=events.EventPattern(source=[SOURCE_LAKE], detail_type=[BATCH_LANDED]),
        )
        self.event_bus = bus


COMPACTION_ASL = ROOT / "state_machines" / "compaction.asl.json"
COMPACTION_TASKS = {"PlanArn": "plan", "CompactArn": "compact"}


class CompactionWorkflow(Construct):
    """Task functions, state machine and trigger (warehouse.updated) of the lake compaction."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lambda_asset: Path,
        lake: s3.IBucket,
        bus: events.IEventBus,
        warehouse_env: dict[str, str],
        min_files: int,
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        self.functions: dict[str, lambda_.Function] = {}
        for key, module in COMPACTION_TASKS.items():
            self.functions[key] = task_function(
                self,
                package="compaction",
                module=module,
                name=f"{n.compaction_function_prefix}{module}",
                asset=lambda_asset,
                timeout=Duration.minutes(10),
                memory_mb=2048,
                environment={
                    "COMPACT_MIN_FILES": str(min_files),
                    "POWERTOOLS_SERVICE_NAME": "compaction",
                    **warehouse_env,
                },
            )
        for fn in self.functions.values():
            fn.add_to_role_policy(iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn]))
        self.functions["CompactArn"].add_to_role_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                resources=[lake.arn_for_objects("curated/*")],
            )
        )
        self.state_machine = event_started_workflow(
            self,
            name=n.compaction_state_machine,
            asl=COMPACTION_ASL,
            functions=self.functions,
            bus=bus,
            rule_id="WarehouseUpdated",
            description="Compact the lake partitions an ETL load added to",
            pattern=events.EventPattern(source=[SOURCE_WAREHOUSE], detail_type=[WAREHOUSE_UPDATED]),
        )
