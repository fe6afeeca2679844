"""Isolation of environments in one account and region: two synthesized environments (dev, AWS's
default with today's names, and staging) share no physical name and no export, and no IAM
policy resource of one (an ARN or an ARN pattern) matches a resource of the other."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.app import build_app
from infra.bundle import build_lambda_asset, build_training_source
from infra.names import Names, names_for
from infra.stacks.worker import LEASE_TABLE_SUFFIXES

ENVIRONMENTS = ("dev", "staging")
ACCOUNT, REGION = "111122223333", "us-east-1"
# Keys whose string value is a physical name the template sets.
NAME_KEYS = {
    "Name", "StreamName", "QueueName", "FunctionName", "TableName", "StateMachineName", "NamespaceName",
    "WorkgroupName", "DashboardName", "ServiceName", "Family",
}  # fmt: skip
# Resource types whose `Name` is unique in the account and region (elsewhere `Name` is scoped to
# a parent of the environment's own: an authorizer's API, a data filter's database).
NAMED = {"AWS::Kinesis::Stream", "AWS::ApiGatewayV2::Api", "AWS::SecretsManager::Secret"}
# Actions that take no resource-level restriction: the only ones allowed on `"Resource": "*"`.
NO_RESOURCE_ACTIONS = {
    "redshift-data:DescribeStatement", "redshift-data:GetStatementResult", "redshift-data:ListStatements",
    "redshift-data:CancelStatement", "states:ListStateMachines", "cloudwatch:DescribeAlarms",
    "cloudwatch:PutMetricData", "xray:PutTraceSegments", "xray:PutTelemetryRecords",
    "xray:GetSamplingRules", "xray:GetSamplingTargets", "ecr:GetAuthorizationToken",
    "sagemaker:ListTrainingJobs", "lakeformation:GetDataAccess",
}  # fmt: skip
# Shared by design: Step Functions keeps one managed EventBridge rule per account and region for
# its SageMaker integration (`.sync` training jobs); every state machine that trains uses it.
SHARED_BY_AWS = {f"arn:aws:events:{REGION}:{ACCOUNT}:rule/StepFunctionsGetEventsForSageMakerTrainingJobsRule"}


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Each environment synthesized once for AWS (a separate ML asset: the worker service too)."""
    root = tmp_path_factory.mktemp("environments")
    asset = build_lambda_asset(root / "lambda-asset")
    ml_asset = build_lambda_asset(root / "ml-asset")
    source = build_training_source(root / "training-source.tar.gz")
    out: dict[str, dict[str, Any]] = {}
    for env in (*ENVIRONMENTS, "prod"):
        cdk_out = root / f"cdk.out.{env}"
        build_app(
            cdk_out, asset_dir=asset, ml_asset_dir=ml_asset, training_source=source, context={"env": env}
        ).synth()
        out[env] = json.loads((cdk_out / f"{names_for(env).stack}.template.json").read_text())
        out[env]["__file__"] = str(cdk_out / f"{names_for(env).stack}.template.json")
    return out


def _walk(node: Any) -> Iterator[tuple[str | None, Any]]:
    """Every (key, value) pair below `node` (key None for list items)."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield None, value
            yield from _walk(value)


def _render(value: Any, env: str) -> list[str]:
    """An ARN (or ARN pattern) as text: pseudo parameters resolved, a reference to a resource of
    the stack as a marker of its environment's own resource (`<env:LogicalId>`, which matches
    nothing of the other); `Fn::If` gives both branches."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict) and len(value) == 1:
        (fn, arg), = value.items()  # fmt: skip
        if fn == "Ref":
            pseudo = {"AWS::Partition": "aws", "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                      "AWS::URLSuffix": "amazonaws.com"}  # fmt: skip
            return [pseudo.get(arg, f"<{env}:{arg}>")]
        if fn == "Fn::GetAtt":
            return [f"<{env}:{'.'.join(arg) if isinstance(arg, list) else arg}>"]
        if fn == "Fn::Join":
            sep, parts = arg
            texts = [""]
            for i, part in enumerate(parts):
                texts = [t + (sep if i else "") + r for t in texts for r in _render(part, env)]
            return texts
        if fn == "Fn::If":
            return [*_render(arg[1], env), *_render(arg[2], env)]
        if fn == "Fn::Sub":
            text = arg if isinstance(arg, str) else arg[0]
            return [re.sub(r"\$\{([^}]+)\}", lambda m: _render({"Ref": m[1]}, env)[0], text)]
    raise AssertionError(f"cannot render {value!r}")


def _policy_resources(template: dict[str, Any], env: str) -> list[tuple[list[str], str]]:
    """Every IAM policy statement's resources (rendered) with the statement's actions."""
    found: list[tuple[list[str], str]] = []
    for key, value in _walk(template["Resources"]):
        if key != "Statement":
            continue
        for statement in value if isinstance(value, list) else [value]:
            if "Resource" not in statement:
                continue  # a trust policy: principals, not resources
            actions = statement.get("Action", [])
            actions = actions if isinstance(actions, list) else [actions]
            resources = statement["Resource"]
            for resource in resources if isinstance(resources, list) else [resources]:
                found.append((_render(resource, env), ",".join(actions)))
    return found


def _probes(n: Names) -> set[str]:
    """Concrete ARNs of the environment's named resources, in each service's ARN format."""
    p = f"{REGION}:{ACCOUNT}"
    version = "20261231T235959999999Z"
    tables = [n.live_aggregates_table, n.model_registry_table, n.chat_sessions_table,
              n.dashboard_connections_table, *(n.kcl_application + s for s in LEASE_TABLE_SUFFIXES)]  # fmt: skip
    functions = [n.upload_ingest_function, n.live_aggregates_function, n.predictions_function,
                 *(prefix + "step" for prefix in (n.etl_function_prefix, n.compaction_function_prefix,
                                                  n.retrain_function_prefix, n.chat_function_prefix,
                                                  n.dashboard_function_prefix))]  # fmt: skip
    out = {
        f"arn:aws:kinesis:{p}:stream/{n.events_stream}",
        *(f"arn:aws:sqs:{p}:{q}" for q in n.dead_letter_queues),
        *(f"arn:aws:dynamodb:{p}:table/{t}" for t in tables),
        *(f"arn:aws:dynamodb:{p}:table/{t}/index/any" for t in tables),
        *(f"arn:aws:lambda:{p}:function:{f}" for f in functions),
        *(f"arn:aws:states:{p}:stateMachine:{m}" for m in n.state_machines),
        *(f"arn:aws:states:{p}:execution:{m}:run-1" for m in n.state_machines),
        *(
            f"arn:aws:sagemaker:{p}:training-job/{n.training_job(m, version)}"
            for m in ("ticket_sales", "venue_popularity", "recommendations")
        ),
        f"arn:aws:glue:{p}:database/{n.glue_database}",
        f"arn:aws:glue:{p}:table/{n.glue_database}/fact_ticket_sales",
        f"arn:aws:secretsmanager:{p}:secret:{n.dashboard_signing_secret}-AbCdEf",
        f"arn:aws:redshift-serverless:{p}:workgroup/{n.warehouse_workgroup}",
        f"arn:aws:redshift-serverless:{p}:namespace/{n.warehouse_namespace}",
        f"arn:aws:ecs:{p}:service/{n.kcl_service}",
        f"arn:aws:cloudformation:{p}:stack/{n.stack}/id",
        f"arn:aws:iam::{ACCOUNT}:role/{n.stack}-ConsumerRole-ABC",
        f"arn:aws:s3:::{n.stack.lower()}-lakebucket-abc/curated/x.parquet",
    }
    return out


def _pattern(arn: str) -> re.Pattern[str]:
    """An IAM resource pattern as a regex (`*` any run of characters, `?` one)."""
    return re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in arn))


def _physical_names(template: dict[str, Any]) -> set[str]:
    """The names the template gives its resources (top-level properties; a Glue database's)."""
    found = set()
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"].startswith("AWS::LakeFormation::"):
            continue  # names a table of the environment's own Glue database
        named = {
            k: v for k, v in props.items() if k in NAME_KEYS and (k != "Name" or resource["Type"] in NAMED)
        }
        if resource["Type"] == "AWS::Glue::Database":
            named["Name"] = props["DatabaseInput"]["Name"]
        found |= {v for v in named.values() if isinstance(v, str)}
    return found


def test_the_environments_share_no_physical_name(templates: dict[str, dict[str, Any]]) -> None:
    dev, staging = (_physical_names(templates[e]) for e in ENVIRONMENTS)
    assert {"concert-events", "concert-etl", "concert-live-aggregates", "concert", "concert_lake"} <= dev
    assert {
        "concert-staging-events",
        "concert-staging-etl",
        "concert-staging",
        "concert_staging_lake",
    } <= staging
    assert dev & staging == set()
    expected = {
        e: {v for k, v in names_for(e).physical().items() if k != "warehouse_database"} for e in ENVIRONMENTS
    }
    assert expected["dev"] & expected["staging"] == set()
    # every name the template sets is one the function derived (no second place spells one)
    for env in ENVIRONMENTS:
        derived = set(expected[env])
        prefixes = [v for v in expected[env] if v.endswith("-")]
        for name in _physical_names(templates[env]):
            assert name in derived or any(name.startswith(p) for p in prefixes), (env, name)


def test_the_environments_share_no_export_or_output_value(templates: dict[str, dict[str, Any]]) -> None:
    exports = {
        e: {
            json.dumps(o["Export"]["Name"]) for o in templates[e].get("Outputs", {}).values() if "Export" in o
        }
        for e in ENVIRONMENTS
    }
    assert exports["dev"] & exports["staging"] == set()
    # every output that is a literal names a resource of its own environment; the warehouse's
    # database name ("concert") lives inside each environment's own namespace
    literal = {
        e: {o["Value"] for o in templates[e]["Outputs"].values() if isinstance(o["Value"], str)}
        - {names_for(e).warehouse_database}
        for e in ENVIRONMENTS
    }
    assert "concert-staging" in literal["staging"]
    assert literal["dev"] & literal["staging"] == set()


@pytest.mark.parametrize(("mine", "other"), [("dev", "staging"), ("staging", "dev")])
def test_no_iam_resource_of_one_environment_reaches_the_others(
    templates: dict[str, dict[str, Any]], mine: str, other: str
) -> None:
    probes = _probes(names_for(other))
    assert len(probes) > 30
    statements = _policy_resources(templates[mine], mine)
    assert len(statements) > 100, "the walk found the policies"
    reached: list[str] = []
    for rendered, actions in statements:
        for arn in rendered:
            if arn == "*":
                assert set(actions.split(",")) <= NO_RESOURCE_ACTIONS, actions
                continue
            if arn in SHARED_BY_AWS:
                continue
            pattern = _pattern(arn)
            reached += [f"{arn} ({actions}) -> {probe}" for probe in probes if pattern.fullmatch(probe)]
    assert reached == []


def test_the_probes_would_catch_a_wildcard_across_environments() -> None:
    """The check above is not vacuous: today's former wildcards reach the other environment."""
    probes = _probes(names_for("staging"))
    for former in (
        f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/concert-*",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/concert-*",
    ):
        assert any(_pattern(former).fullmatch(p) for p in probes), former
    own = _probes(names_for("dev"))
    assert any(
        _pattern(f"arn:aws:states:{REGION}:{ACCOUNT}:execution:concert-etl:*").fullmatch(p) for p in own
    )


def test_the_settings_shape_each_environment(templates: dict[str, dict[str, Any]]) -> None:
    """Settings from infra/environments.toml reach the template (dev and staging alike today)."""
    for env in ENVIRONMENTS:
        streams = [r for r in templates[env]["Resources"].values() if r["Type"] == "AWS::Kinesis::Stream"]
        assert [s["Properties"]["RetentionPeriodHours"] for s in streams] == [48]
        etl = [
            r["Properties"]["Environment"]["Variables"]
            for r in templates[env]["Resources"].values()
            if r["Type"] == "AWS::Lambda::Function"
            and "LOAD_MAX_WAIT_S" in r["Properties"].get("Environment", {}).get("Variables", {})
        ]
        assert etl and all((v["LOAD_MAX_WAIT_S"], v["LOAD_MIN_ROWS"]) == ("300", "50000") for v in etl)


def test_prods_settings_reach_its_template(templates: dict[str, dict[str, Any]]) -> None:
    resources = templates["prod"]["Resources"].values()
    (stream,) = [r for r in resources if r["Type"] == "AWS::Kinesis::Stream"]
    assert stream["Properties"]["StreamModeDetails"] == {"StreamMode": "ON_DEMAND"}
    assert stream["Properties"]["RetentionPeriodHours"] == 168
    (workgroup,) = [r for r in resources if r["Type"] == "AWS::RedshiftServerless::Workgroup"]
    assert workgroup["Properties"]["BaseCapacity"] == 16
    buckets = [r for r in resources if r["Type"] == "AWS::S3::Bucket"]
    assert any(b["DeletionPolicy"] == "Retain" for b in buckets), "prod keeps its data"
    ages = [
        r["Properties"]["Threshold"]
        for r in resources
        if r["Type"] == "AWS::CloudWatch::Alarm"
        and "IteratorAge" in r["Properties"].get("MetricName", "")
        and "30 s" in r["Properties"].get("AlarmDescription", "")  # the operator's, not scaling's
    ]
    assert ages == [30_000, 30_000], "the stream's and the live consumer's"


@pytest.mark.parametrize("env", ["staging", "prod"])
def test_cfn_lint_has_no_findings_in_other_environments(
    templates: dict[str, dict[str, Any]], env: str
) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run([str(cfn_lint), templates[env]["__file__"]], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
