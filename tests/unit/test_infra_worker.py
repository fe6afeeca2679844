"""The KCL worker's ECS service: in the AWS synthesis only, sized and scaled by the stream, logged,
traced, with the consumer role as its task role; checked with aws_cdk.assertions and cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any, Literal

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk.assertions import Match, Template

from consumers.kcl_worker import WorkerSettings
from infra.app import build_app
from infra.bundle import build_lambda_asset, build_training_source
from infra.names import STACK_NAME
from infra.stacks.worker import (
    ADOT_IMAGE,
    APPLICATION,
    SCALE_IN_BELOW_MS,
    SCALE_OUT_FROM_MS,
    KclWorkerService,
    WorkerCapacity,
    deploys_worker_service,
)
from infra.synth_cache import synthesize_cached

ITERATOR_AGE = "GetRecords.IteratorAgeMilliseconds"


@pytest.fixture(scope="module")
def aws_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app synthesized as `synthesize(for_aws=True)` does (a separate ML asset), without the
    pip-bundled dependencies and without Docker: the image asset is only staged at synthesis."""
    root = tmp_path_factory.mktemp("aws")
    out = root / "cdk.out"
    build_app(
        out,
        asset_dir=build_lambda_asset(root / "lambda-asset"),
        ml_asset_dir=build_lambda_asset(root / "ml-asset"),
        training_source=build_training_source(root / "training-source.tar.gz"),
    ).synth()
    return out


@pytest.fixture(scope="module")
def aws(aws_out: Path) -> Template:
    return Template.from_json(json.loads((aws_out / f"{STACK_NAME}.template.json").read_text()))


@pytest.fixture(scope="module")
def local() -> Template:
    cdk_out, _ = synthesize_cached(for_aws=False)
    return Template.from_json(json.loads((cdk_out / f"{STACK_NAME}.template.json").read_text()))


def _worker_stack(context: dict[str, Any], tmp: Path) -> Template:
    """A small stack with only a stream, a role and the worker service (fast to synthesize)."""
    app = cdk.App(outdir=str(tmp), context=context)
    stack = cdk.Stack(app, "WorkerOnly")
    on_demand = context.get("on_demand") == "true"
    shards = None if on_demand else int(context.get("shards", 2))
    stream = kinesis.Stream(
        stack,
        "Stream",
        stream_mode=kinesis.StreamMode.ON_DEMAND if on_demand else kinesis.StreamMode.PROVISIONED,
        shard_count=shards,
    )
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"))
    KclWorkerService(
        stack,
        "KclWorker",
        stream=stream,
        task_role=role,
        environment={"CONCERT_KCL_STREAM": stream.stream_name},
        capacity=WorkerCapacity.from_context(stack, shards),
    )
    return Template.from_stack(stack)


def _worker_container(template: Template) -> dict[str, Any]:
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    return next(c for c in task["Properties"]["ContainerDefinitions"] if c["Name"] == "kcl-worker")


def _statements(template: Template) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::Role"):
        for r in template.find_resources(kind).values():
            props = r["Properties"]
            docs = (
                [props["PolicyDocument"]]
                if "PolicyDocument" in props
                else [p["PolicyDocument"] for p in props.get("Policies", [])]
            )
            out += [s for d in docs for s in d["Statement"]]
    return out


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_service_in_the_aws_synthesis_only(aws: Template, local: Template) -> None:
    aws.resource_count_is("AWS::ECS::Service", 1)
    aws.has_resource_properties(
        "AWS::ECS::Service",
        {
            "ServiceName": "concert-kcl-worker",
            "LaunchType": "FARGATE",
            "DeploymentConfiguration": Match.object_like(
                {"DeploymentCircuitBreaker": {"Enable": True, "Rollback": True}}
            ),
        },
    )
    assert set(aws.find_outputs("*")) >= {"WorkerClusterName", "WorkerServiceName", "WorkerLogGroupName"}
    for kind in ("AWS::ECS::Service", "AWS::ECS::Cluster", "AWS::ECS::TaskDefinition", "AWS::EC2::VPC"):
        local.resource_count_is(kind, 0)


def test_the_context_overrides_the_default(tmp_path: Path) -> None:
    def decide(context: dict[str, str], separate_ml_asset: bool) -> bool:
        stack = cdk.Stack(cdk.App(outdir=str(tmp_path), context=context), "S")
        return deploys_worker_service(stack, separate_ml_asset=separate_ml_asset)

    assert decide({}, True) and not decide({}, False)
    assert decide({"kcl_worker": "ecs"}, False) and not decide({"kcl_worker": "process"}, True)
    with pytest.raises(ValueError, match="kcl_worker"):
        decide({"kcl_worker": "lambda"}, True)


def test_image_is_built_from_the_repository_by_the_asset_at_deploy_time(aws_out: Path) -> None:
    manifest = json.loads((aws_out / f"{STACK_NAME}.assets.json").read_text())
    (image,) = manifest["dockerImages"].values()
    assert image["source"]["dockerFile"] == "consumers/Dockerfile"
    assert image["source"]["platform"] == "linux/amd64"
    staged = aws_out / image["source"]["directory"]
    assert (staged / "consumers" / "kcl_worker.py").exists() and (staged / "pyproject.toml").exists()
    assert (staged / "consumers" / "Dockerfile").exists()
    for absent in ("tests", ".venv", "web", "build", ".git", "docs"):
        assert not (staged / absent).exists(), absent


def test_worker_gets_every_setting_it_requires(aws: Template) -> None:
    env = {e["Name"]: e["Value"] for e in _worker_container(aws)["Environment"]}
    required = {
        f"CONCERT_KCL_{name.upper()}"
        for name, field in WorkerSettings.model_fields.items()
        if field.is_required()
    }
    assert required <= set(env)
    assert env["CONCERT_KCL_APPLICATION"] == APPLICATION
    assert {"CONCERT_WAREHOUSE_WORKGROUP", "CONCERT_WAREHOUSE_DATABASE", "CONCERT_WAREHOUSE_IAM_ROLE"} <= set(
        env
    )


def test_task_role_is_the_consumer_role_with_the_worker_grants(aws: Template) -> None:
    (task,) = aws.find_resources("AWS::ECS::TaskDefinition").values()
    role_id = task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
    assert role_id.startswith("WarehouseConsumerRole")
    assert task["Properties"]["ExecutionRoleArn"]["Fn::GetAtt"][0] != role_id
    statements = _task_role_statements(aws)
    granted = {a for s in statements for a in _actions(s)}
    assert {
        "kinesis:GetRecords",
        "dynamodb:CreateTable",
        "dynamodb:UpdateTable",
        "s3:DeleteObject",
        "sqs:SendMessage",
        "events:PutEvents",
        "redshift-data:ExecuteStatement",
        "cloudwatch:PutMetricData",
        "xray:PutTraceSegments",
    } <= granted
    text = json.dumps(statements)
    assert "ledger/landed/*" in text and "dlq/*" in text
    for suffix in ("", "-CoordinatorState", "-WorkerMetricStats"):
        assert f"table/{APPLICATION}{suffix}" in text
    (metrics,) = [s for s in statements if "cloudwatch:PutMetricData" in _actions(s)]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": APPLICATION}}


def _task_role_statements(template: Template) -> list[dict[str, Any]]:
    (task,) = template.find_resources("AWS::ECS::TaskDefinition").values()
    role_id = task["Properties"]["TaskRoleArn"]["Fn::GetAtt"][0]
    return [
        s
        for p in template.find_resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"].get("Roles", [])
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_the_worker_reads_an_older_batchs_manifests_and_writes_none(aws: Template) -> None:
    on_manifests = [s for s in _task_role_statements(aws) if "manifests/*" in json.dumps(s["Resource"])]
    assert on_manifests, "a batch an older worker landed is read through its manifests"
    assert {a for s in on_manifests for a in _actions(s)} == {"s3:GetObject"}


def test_no_iam_action_has_a_wildcard(aws: Template) -> None:
    actions = [a for s in _statements(aws) for a in _actions(s)]
    assert actions and not [a for a in actions if "*" in a]


@pytest.mark.parametrize(
    ("context", "desired", "maximum"),
    [({}, 2, 2), ({"shards": "4"}, 4, 4), ({"on_demand": "true"}, 2, 4), ({"worker_max_tasks": "3"}, 2, 3)],
)
def test_desired_count_follows_the_shard_count(
    context: dict[str, str], desired: int, maximum: int, tmp_path: Path
) -> None:
    template = _worker_stack(context, tmp_path)
    template.has_resource_properties("AWS::ECS::Service", {"DesiredCount": desired})
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget", {"MinCapacity": 1, "MaxCapacity": maximum}
    )


def test_bad_capacity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="worker tasks"):
        _worker_stack({"worker_min_tasks": "3"}, tmp_path)


def test_desired_count_is_the_stacks_shard_count(aws: Template) -> None:
    (stream,) = aws.find_resources("AWS::Kinesis::Stream").values()
    aws.has_resource_properties("AWS::ECS::Service", {"DesiredCount": stream["Properties"]["ShardCount"]})


def test_scales_in_steps_on_the_streams_iterator_age(aws: Template) -> None:
    policies = aws.find_resources(
        "AWS::ApplicationAutoScaling::ScalingPolicy", {"Properties": {"PolicyType": "StepScaling"}}
    )
    assert len(policies) == 2  # out and in
    alarms = aws.find_resources("AWS::CloudWatch::Alarm", {"Properties": {"MetricName": ITERATOR_AGE}})
    scaling = [
        a["Properties"]
        for a in alarms.values()
        if {x.get("Ref") for x in a["Properties"].get("AlarmActions", [])} & set(policies)
    ]
    assert {a["ComparisonOperator"] for a in scaling} == {
        "GreaterThanOrEqualToThreshold",
        "LessThanOrEqualToThreshold",
    }
    assert {a["Threshold"] for a in scaling} == {SCALE_OUT_FROM_MS, SCALE_IN_BELOW_MS}
    for a in scaling:
        assert a["Namespace"] == "AWS/Kinesis" and a["Statistic"] == "Maximum" and a["Period"] == 60
        assert [d["Name"] for d in a["Dimensions"]] == ["StreamName"]
    steps = [
        adj
        for p in policies.values()
        for adj in p["Properties"]["StepScalingPolicyConfiguration"]["StepAdjustments"]
    ]
    assert {s["ScalingAdjustment"] for s in steps} == {-1, 1, 2}


def test_logs_are_kept_a_month(aws: Template) -> None:
    (task,) = aws.find_resources("AWS::ECS::TaskDefinition").values()
    groups = aws.find_resources("AWS::Logs::LogGroup")
    for container in task["Properties"]["ContainerDefinitions"]:
        log = container["LogConfiguration"]
        assert log["LogDriver"] == "awslogs"
        group = log["Options"]["awslogs-group"]["Ref"]
        assert groups[group]["Properties"]["RetentionInDays"] == 30


def test_traces_go_through_an_adot_collector_sidecar(aws: Template) -> None:
    (task,) = aws.find_resources("AWS::ECS::TaskDefinition").values()
    containers = {c["Name"]: c for c in task["Properties"]["ContainerDefinitions"]}
    collector = containers["adot-collector"]
    assert collector["Image"] == ADOT_IMAGE and collector["Essential"] is False
    config = next(e["Value"] for e in collector["Environment"] if e["Name"] == "AOT_CONFIG_CONTENT")
    assert "awsxray:" in config and "127.0.0.1:2000" in config
    env = {e["Name"]: e["Value"] for e in containers["kcl-worker"]["Environment"]}
    assert env["AWS_XRAY_DAEMON_ADDRESS"] == "127.0.0.1:2000"
    for c in containers.values():
        assert c["ReadonlyRootFilesystem"] is True


def test_network_has_no_inbound_and_no_nat(aws: Template) -> None:
    aws.resource_count_is("AWS::EC2::NatGateway", 0)
    aws.resource_count_is("AWS::EC2::FlowLog", 1)
    (sg,) = aws.find_resources("AWS::EC2::SecurityGroup").values()
    assert "SecurityGroupIngress" not in sg["Properties"]
    assert [
        (r["IpProtocol"], r["FromPort"], r["ToPort"]) for r in sg["Properties"]["SecurityGroupEgress"]
    ] == [("tcp", 443, 443)]
    aws.has_resource_properties(
        "AWS::ECS::Service",
        {"NetworkConfiguration": {"AwsvpcConfiguration": Match.object_like({"AssignPublicIp": "ENABLED"})}},
    )
    for subnet in aws.find_resources("AWS::EC2::Subnet").values():
        assert subnet["Properties"]["MapPublicIpOnLaunch"] is False


def test_cfn_lint_has_no_findings_on_the_worker(tmp_path: Path) -> None:
    """cfn-lint on a stack of the worker alone (the full template is linted by test_infra)."""
    template = _worker_stack({"shards": "2"}, tmp_path / "out")
    path = tmp_path / "worker.template.json"
    path.write_text(json.dumps(template.to_json()))
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run([str(cfn_lint), str(path)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


OUTPUTS = {
    "EventsStreamName": "s",
    "LakeBucketName": "lake",
    "QuarantineBucketName": "quarantine",
    "DlqUrl": "http://dlq",
}


def _worker_settings(
    monkeypatch: pytest.MonkeyPatch, target: Literal["local", "aws"], variable: str, value: str | None
) -> dict[str, str]:
    """What the CLI hands the worker for `target`, with `variable` set to `value` (None: unset)."""
    from concert.runtime import Runtime
    from concert.settings import CliSettings

    if value is None:
        monkeypatch.delenv(variable, raising=False)
    else:
        monkeypatch.setenv(variable, value)
    rt = Runtime(CliSettings(target=target))
    monkeypatch.setattr(rt, "outputs", lambda: OUTPUTS)
    return rt.worker_settings()


@pytest.mark.parametrize(
    ("target", "env", "idle"),
    [("local", None, "500"), ("local", "750", "750"), ("aws", None, None), ("aws", "750", None)],
)
def test_the_local_worker_reads_more_often_than_the_deployed_one(
    monkeypatch: pytest.MonkeyPatch, target: Literal["local", "aws"], env: str | None, idle: str | None
) -> None:
    settings = _worker_settings(monkeypatch, target, "CONCERT_KCL_IDLE_MS", env)
    assert settings.get("idle_ms") == idle
    if idle is None and env is None:  # the worker's own default: within a shard's 5 reads a second
        assert WorkerSettings.model_validate(settings).idle_ms == 1_000


@pytest.mark.parametrize(
    ("target", "env", "puts"),
    [("local", None, "1"), ("local", "3", "3"), ("aws", None, None)],
)
def test_the_local_worker_puts_one_file_at_a_time_and_the_deployed_one_four(
    monkeypatch: pytest.MonkeyPatch, target: Literal["local", "aws"], env: str | None, puts: str | None
) -> None:
    settings = _worker_settings(monkeypatch, target, "CONCERT_KCL_PUTS_AT_ONCE", env)
    assert settings.get("puts_at_once") == puts
    assert WorkerSettings.model_validate(settings).puts_at_once == int(puts or 4)
