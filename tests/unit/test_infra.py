"""The CDK app: what it synthesizes, checked with aws_cdk.assertions and cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from infra import names
from infra.bundle import ROOT, build_lambda_asset
from infra.names import EVENTS_STREAM, STACK_NAME
from infra.synth_cache import synthesize_cached


@pytest.fixture(scope="module")
def template_file() -> Path:
    cdk_out, _ = synthesize_cached(for_aws=False)
    return cdk_out / f"{STACK_NAME}.template.json"


@pytest.fixture(scope="module")
def template(template_file: Path) -> Template:
    return Template.from_json(json.loads(template_file.read_text()))


def _resources(template: Template, kind: str) -> dict[str, Any]:
    return dict(template.find_resources(kind))


def test_stream_is_encrypted_and_provisioned(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Kinesis::Stream",
        {
            "Name": EVENTS_STREAM,
            "ShardCount": 2,
            "StreamEncryption": {"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
            "StreamModeDetails": {"StreamMode": "PROVISIONED"},
            "RetentionPeriodHours": 48,
        },
    )


def test_every_bucket_is_encrypted_private_and_tls_only(template: Template) -> None:
    buckets = _resources(template, "AWS::S3::Bucket")
    assert len(buckets) == 6  # raw, lake, quarantine, models, web app, access logs
    logged = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    assert len(logged) == 5, "every bucket but the access-log bucket logs its access"
    for b in buckets.values():
        props = b["Properties"]
        assert props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0][
            "ServerSideEncryptionByDefault"
        ]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
    policies = _resources(template, "AWS::S3::BucketPolicy")
    assert {p["Properties"]["Bucket"]["Ref"] for p in policies.values()} == set(buckets)
    for p in policies.values():
        deny = [s for s in p["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert any(s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny)


def test_queues_are_encrypted_and_tls_only(template: Template) -> None:
    queues = _resources(template, "AWS::SQS::Queue")
    assert len(queues) == 3 and all(q["Properties"]["SqsManagedSseEnabled"] for q in queues.values())
    template.resource_count_is("AWS::SQS::QueuePolicy", 3)
    template.has_resource_properties(
        "AWS::SQS::QueuePolicy",
        {
            "PolicyDocument": {
                "Statement": Match.array_with(
                    [
                        Match.object_like(
                            {"Effect": "Deny", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}
                        )
                    ]
                )
            }
        },
    )


def test_no_iam_action_has_a_wildcard(template: Template) -> None:
    statements = []
    for kind in ("AWS::IAM::Policy", "AWS::IAM::Role"):
        for r in _resources(template, kind).values():
            props = r["Properties"]
            docs = (
                [props["PolicyDocument"]]
                if "PolicyDocument" in props
                else [p["PolicyDocument"] for p in props.get("Policies", [])]
            )
            statements += [s for d in docs for s in d["Statement"]]
    actions = [
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    ]
    assert actions and not [a for a in actions if "*" in a]


def test_upload_ingest_function_is_wired_to_uploads(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Handler": "functions.upload_ingest.handler.handler",
            "Runtime": "python3.11",
            "TracingConfig": {"Mode": "Active"},
            "Environment": {
                "Variables": Match.object_like(
                    {"EVENTS_STREAM": Match.any_value(), "QUARANTINE_BUCKET": Match.any_value()}
                )
            },
            "DeadLetterConfig": Match.object_like({"TargetArn": Match.any_value()}),
        },
    )
    template.has_resource_properties(
        "Custom::S3BucketNotifications",
        {
            "NotificationConfiguration": {
                "LambdaFunctionConfigurations": [
                    Match.object_like(
                        {
                            "Events": ["s3:ObjectCreated:*"],
                            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
                        }
                    )
                ]
            }
        },
    )


def test_outputs_name_every_resource_the_cli_needs(template: Template) -> None:
    outputs = template.find_outputs("*")
    assert {"EventsStreamName", "RawBucketName", "LakeBucketName", "QuarantineBucketName", "DlqUrl"} <= set(
        outputs
    )


def test_live_aggregates_mapping_reports_partial_failures_with_bounded_retries(template: Template) -> None:
    template.has_resource_properties(
        "AWS::Lambda::EventSourceMapping",
        {
            "FunctionResponseTypes": ["ReportBatchItemFailures"],
            "BatchSize": 1000,
            "MaximumBatchingWindowInSeconds": 1,
            "ParallelizationFactor": 1,
            "BisectBatchOnFunctionError": True,
            "MaximumRetryAttempts": 5,
            "MaximumRecordAgeInSeconds": 6 * 3600,
            "StartingPosition": "TRIM_HORIZON",
            "DestinationConfig": {"OnFailure": {"Destination": Match.any_value()}},
        },
    )
    template.has_resource_properties(
        "AWS::DynamoDB::Table",
        {
            "TableName": "concert-live-aggregates",
            "SSESpecification": {"SSEEnabled": True},
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
    )


def test_glue_tables_follow_the_warehouse_ddl_and_the_lake_layout(template: Template) -> None:
    from consumers.tables import table_schemas

    tables = {
        t["Properties"]["TableInput"]["Name"]: t["Properties"]["TableInput"]
        for t in _resources(template, "AWS::Glue::Table").values()
    }
    assert set(tables) == (
        set(table_schemas())
        - {"agg_daily_sales", "etl_batches", "etl_lease", "entity_crosswalk", "fact_concert_published"}
    ) | {
        "raw_events",
        "dead_letters",
    }
    sales = tables["fact_ticket_sales"]
    columns = [c["Name"] for c in sales["StorageDescriptor"]["Columns"]]
    assert columns == table_schemas()["fact_ticket_sales"].names
    assert [k["Name"] for k in sales["PartitionKeys"]] == ["date"]
    assert sales["Parameters"]["projection.enabled"] == "true"
    assert [k["Name"] for k in tables["raw_events"]["PartitionKeys"]] == ["event_type", "date"]


def test_redshift_serverless_only_when_the_stack_provides_the_warehouse(template: Template) -> None:
    for kind in ("AWS::RedshiftServerless::Namespace", "AWS::RedshiftServerless::Workgroup"):
        resources = _resources(template, kind)
        assert len(resources) == 1 and all(r["Condition"] == "CreateRedshift" for r in resources.values())
    namespace = next(iter(_resources(template, "AWS::RedshiftServerless::Namespace").values()))
    assert namespace["Properties"]["ManageAdminPassword"] is True
    workgroup = next(iter(_resources(template, "AWS::RedshiftServerless::Workgroup").values()))
    assert workgroup["Properties"]["PubliclyAccessible"] is False


def test_every_warehouse_statement_is_bounded_and_the_chat_queue_tighter(template: Template) -> None:
    workgroup = next(iter(_resources(template, "AWS::RedshiftServerless::Workgroup").values()))
    params = {p["ParameterKey"]: p["ParameterValue"] for p in workgroup["Properties"]["ConfigParameters"]}
    queues = {q["name"]: q for q in json.loads(params["wlm_json_configuration"])}
    assert queues["chat"]["user_role"] == ["chat_reader"] and "user_role" not in queues["default"]

    def limits(queue: dict[str, Any]) -> dict[str, int]:
        rules = [r for r in queue["rules"] if r["action"] == "abort"]
        return {p["metric_name"]: p["value"] for r in rules for p in r["predicate"] if p["operator"] == ">"}

    chat, default = limits(queues["chat"]), limits(queues["default"])
    for metric in ("query_execution_time", "query_temp_blocks_to_disk"):
        assert 0 < chat[metric] < default[metric], metric


def test_etl_state_machine_is_started_by_landed_batches(template: Template) -> None:
    machines = {
        m["Properties"]["StateMachineName"]: m
        for m in _resources(template, "AWS::StepFunctions::StateMachine").values()
    }
    assert set(machines) == {"concert-etl", "concert-compaction", "concert-retrain", "concert-chat"}
    machine = machines["concert-etl"]
    assert set(machine["Properties"]["DefinitionSubstitutions"]) == {
        "PlanCycleArn", "CheckBatchesArn", "LoadCycleArn", "EmitUpdatedArn",
    }  # fmt: skip
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {"source": ["concert.lake"], "detail-type": ["CuratedBatchLanded"]},
            "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("EtlStateMachine")}})],
        },
    )
    template.has_resource_properties(
        "AWS::Events::Rule",
        {"EventPattern": {"source": ["concert.warehouse"], "detail-type": ["warehouse.updated"]}},
    )
    assert not _resources(template, "AWS::Scheduler::Schedule"), "event-driven, never scheduled"
    rules = _resources(template, "AWS::Events::Rule").values()
    assert all("ScheduleExpression" not in r["Properties"] for r in rules)


def test_retraining_is_started_by_warehouse_updates_and_can_train_on_sagemaker(template: Template) -> None:
    machines = {
        m["Properties"]["StateMachineName"]: m
        for m in _resources(template, "AWS::StepFunctions::StateMachine").values()
    }
    subs = machines["concert-retrain"]["Properties"]["DefinitionSubstitutions"]
    assert {"CheckArn", "ExtractArn", "TrainArn", "EvaluateArn", "RegisterArn", "FailedArn"} <= set(subs)
    assert {"TrainingImage", "SourceUri", "SageMakerRoleArn"} <= set(subs)
    definition = json.dumps(machines["concert-retrain"]["Properties"]["DefinitionString"])
    assert "sagemaker:createTrainingJob.sync" in definition
    template.has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {"source": ["concert.warehouse"], "detail-type": ["warehouse.updated"]},
            "Targets": [Match.object_like({"Arn": {"Ref": Match.string_like_regexp("MachineLearning")}})],
        },
    )
    template.has_resource_properties("AWS::IAM::Role", {"AssumeRolePolicyDocument": Match.object_like(
        {"Statement": [Match.object_like({"Principal": {"Service": "sagemaker.amazonaws.com"}})]}
    )})  # fmt: skip
    table = next(
        t for t in _resources(template, "AWS::DynamoDB::Table").values()
        if t["Properties"].get("TableName") == "concert-model-registry"
    )  # fmt: skip
    assert table["Properties"]["SSESpecification"]["SSEEnabled"] is True


def test_every_api_route_is_authorized(template: Template) -> None:
    """HTTP API routes each carry IAM or a Lambda authorizer; a WebSocket API authorizes its
    `$connect` (API Gateway authorizes a WebSocket once, at the connection)."""
    apis = _resources(template, "AWS::ApiGatewayV2::Api")
    routes = _resources(template, "AWS::ApiGatewayV2::Route").values()
    assert routes
    for r in routes:
        props = r["Properties"]
        protocol = apis[props["ApiId"]["Ref"]]["Properties"]["ProtocolType"]
        if protocol == "HTTP" or props["RouteKey"] == "$connect":
            assert props["AuthorizationType"] in ("AWS_IAM", "CUSTOM"), props["RouteKey"]
    predictions = [r for r in routes if "Predictions" in r["Properties"]["ApiId"]["Ref"]]
    assert predictions and all(r["Properties"]["AuthorizationType"] == "AWS_IAM" for r in predictions)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": "functions.predictions.handler.handler", "TracingConfig": {"Mode": "Active"}},
    )


def test_cfn_lint_has_no_findings(template_file: Path) -> None:
    cfn_lint = Path(sys.executable).parent / "cfn-lint"
    proc = subprocess.run([str(cfn_lint), str(template_file)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_lambda_asset_holds_the_code_and_nothing_else(tmp_path: Path) -> None:
    asset = build_lambda_asset(tmp_path / "asset")
    assert (asset / "functions" / "upload_ingest" / "handler.py").exists()
    assert (asset / "schemas" / "json" / "TicketSold.v1.schema.json").exists()
    assert not list(asset.rglob("__pycache__")) and not (asset / "tests").exists()
    proc = subprocess.run(
        [sys.executable, "-c", "import producers.files, schemas"], cwd=asset, capture_output=True
    )
    assert proc.returncode == 0, proc.stderr


def test_training_source_archive_holds_what_the_entry_points_import(tmp_path: Path) -> None:
    import ast
    import tarfile

    from infra.bundle import build_training_source

    archive = build_training_source(tmp_path / "source.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    packages = {n.split("/")[0] for n in names if "/" in n}
    assert {"train_sales.py", "train_venues.py", "train_recommendations.py", "requirements.txt"} <= set(names)
    ours = {
        "schemas",
        "producers",
        "consumers",
        "functions",
        "infra",
        "concert",
        "cloud",
        "bench",
        "ml",
        "chat",
    }
    imported = set()
    for path in (ROOT / "ml").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
    assert imported & ours <= packages, imported & ours - packages


def test_alarms_watch_lag_dead_letters_failed_executions_and_function_errors(template: Template) -> None:
    alarms = list(_resources(template, "AWS::CloudWatch::Alarm").values())
    metrics = {(a["Properties"]["Namespace"], a["Properties"]["MetricName"]) for a in alarms}
    assert {
        ("AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds"),
        ("AWS/Lambda", "IteratorAge"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
    } <= metrics
    functions = [
        k for k in _resources(template, "AWS::Lambda::Function") if "BucketNotificationsHandler" not in k
    ]
    errors = [a for a in alarms if a["Properties"]["MetricName"] == "Errors"]
    assert len(errors) == len(functions), "one error alarm per function of ours (not CDK's own handler)"
    assert all(a["Properties"]["AlarmActions"] for a in alarms), "every alarm notifies the topic"
    topic = next(iter(_resources(template, "AWS::SNS::Topic").values()))
    assert topic["Properties"]["KmsMasterKeyId"]
    assert _resources(template, "AWS::CloudWatch::Dashboard")


def test_chat_workflow_tools_memory_and_api(template: Template) -> None:
    machines = _resources(template, "AWS::StepFunctions::StateMachine")
    chat = next(m for m in machines.values() if m["Properties"]["StateMachineName"] == "concert-chat")
    assert chat["Properties"]["StateMachineType"] == "STANDARD"
    functions = {
        f["Properties"]["FunctionName"]: f for f in _resources(template, "AWS::Lambda::Function").values()
        if isinstance(f["Properties"].get("FunctionName"), str)
    }  # fmt: skip
    tools = {f"concert-chat-{t}" for t in ("query-warehouse", "predict-sales", "recommend-concerts",
                                          "rank-venues", "pipeline-status", "explain-schema")}  # fmt: skip
    assert tools | {"concert-chat-plan", "concert-chat-answer", "concert-chat-api"} <= set(functions)
    assert (
        functions["concert-chat-plan"]["Properties"]["Environment"]["Variables"]["CHAT_PLANNER"]
        == "deterministic"
    )
    sessions = next(
        t for t in _resources(template, "AWS::DynamoDB::Table").values()
        if t["Properties"]["TableName"] == "concert-chat-sessions"
    )  # fmt: skip
    assert sessions["Properties"]["TimeToLiveSpecification"] == {
        "AttributeName": "expires_at",
        "Enabled": True,
    }
    apis = [
        a
        for a in _resources(template, "AWS::ApiGatewayV2::Api").values()
        if a["Properties"]["Name"] == "concert-chat"
    ]
    assert len(apis) == 1
    roles = _resources(template, "AWS::IAM::Role")
    tagged = [
        r
        for r in roles.values()
        if {"Key": "RedshiftDbRoles", "Value": "chat_reader"} in r["Properties"].get("Tags", [])
    ]
    assert len(tagged) == 1, "only the SQL tool's role maps to the read-only database role"
    assert "ChatApiUrl" in template.find_outputs("*")


def test_lambda_handlers_import_only_packages_the_asset_holds() -> None:
    """Walk the imports (lazy ones too) from every handler module through our own packages:
    none may reach a package the Lambda asset does not carry (locally the project is installed,
    so a missing package would only fail on AWS)."""
    import ast

    from infra.bundle import PACKAGES

    ours = {p.name for p in ROOT.iterdir() if (p / "__init__.py").exists()}
    seen: set[str] = set()
    todo = [f"functions.{p.parent.name}.{p.stem}" for p in (ROOT / "functions").glob("*/*.py")]
    bad: list[str] = []
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        path = ROOT.joinpath(*module.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        if not path.exists():
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]  # maybe modules
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                top = name.split(".")[0]
                if top in ours and top not in PACKAGES:
                    bad.append(f"{module} imports {name}")
                elif top in ours:
                    todo.append(name)
    assert not bad, bad
    assert "functions.chat.tool_steps" in seen and "consumers.pipeline_health" in seen


def test_dashboard_apis_are_authorized_and_fed_by_the_live_consumer(template: Template) -> None:
    apis = {
        a["Properties"]["Name"]: a["Properties"]
        for a in _resources(template, "AWS::ApiGatewayV2::Api").values()
    }
    ws = apis[names.DASHBOARD_WS_API]
    assert ws["ProtocolType"] == "WEBSOCKET" and ws["RouteSelectionExpression"] == "$request.body.action"
    http = apis[names.DASHBOARD_API]
    assert http["CorsConfiguration"]["AllowHeaders"] == ["Authorization", "Content-Type"]
    assert len(http["CorsConfiguration"]["AllowOrigins"]) == 1  # the CloudFront origin only
    requests = [a["Properties"] for a in _resources(template, "AWS::ApiGatewayV2::Authorizer").values()]
    assert {tuple(a["IdentitySource"]) for a in requests} >= {
        ("route.request.querystring.ticket",),
        ("$request.header.Authorization",),
    }
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in _resources(template, "AWS::ApiGatewayV2::Route").values()
    }
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert {"$disconnect", "$default", "subscribe", "ping"} <= set(routes)
    assert routes["$default"].get("AuthorizationType") == "CUSTOM"  # the HTTP API's default route
    functions = {
        f["Properties"].get("FunctionName"): f["Properties"]
        for f in _resources(template, "AWS::Lambda::Function").values()
    }
    live = functions[names.LIVE_AGGREGATES_FUNCTION]["Environment"]["Variables"]
    assert live["BROADCAST_FUNCTION"] == {"Ref": next(
        k for k, f in _resources(template, "AWS::Lambda::Function").items()
        if f["Properties"].get("FunctionName") == "concert-dashboard-broadcast"
    )}  # fmt: skip
    configs = {
        c["Properties"]["FunctionName"]["Ref"]: c["Properties"]
        for c in _resources(template, "AWS::Lambda::EventInvokeConfig").values()
    }
    assert configs[live["BROADCAST_FUNCTION"]["Ref"]]["MaximumRetryAttempts"] == 0  # frames are not retried
    table = next(
        t["Properties"] for t in _resources(template, "AWS::DynamoDB::Table").values()
        if t["Properties"]["TableName"] == names.LIVE_AGGREGATES_TABLE
    )  # fmt: skip
    index = table["GlobalSecondaryIndexes"][0]
    assert index["IndexName"] == "ranked-by-tickets" and [k["AttributeName"] for k in index["KeySchema"]] == [
        "ranked",
        "tickets",
    ]
    secret = next(iter(_resources(template, "AWS::SecretsManager::Secret").values()))["Properties"]
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32 and "SecretString" not in secret
    dist = next(iter(_resources(template, "AWS::CloudFront::Distribution").values()))["Properties"][
        "DistributionConfig"
    ]
    assert dist["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert dist["Origins"][0]["S3OriginConfig"]["OriginAccessIdentity"] == ""  # origin access control
    assert "OriginAccessControlId" in dist["Origins"][0]


def test_only_the_chat_sql_tool_is_the_chat_reader_on_the_local_endpoint(template: Template) -> None:
    functions = _resources(template, "AWS::Lambda::Function").values()
    users = {
        f["Properties"]["FunctionName"]: f["Properties"]["Environment"]["Variables"][
            "CONCERT_WAREHOUSE_DB_USER"
        ]
        for f in functions
        if "CONCERT_WAREHOUSE_DB_USER" in f["Properties"].get("Environment", {}).get("Variables", {})
    }
    assert list(users) == ["concert-chat-query-warehouse"]
    # the external (local) endpoint routes by it; Redshift Serverless takes the IAM identity
    assert users["concert-chat-query-warehouse"] == {"Fn::If": ["CreateRedshift", "", "chat_reader"]}


def test_every_api_stage_is_throttled_and_the_costly_routes_more(template: Template) -> None:
    stages = _resources(template, "AWS::ApiGatewayV2::Stage")
    assert len(stages) == 4  # dashboard HTTP and WebSocket, predictions, chat
    limits = {}
    for stage in stages.values():
        props = stage["Properties"]
        settings = props["DefaultRouteSettings"]
        assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] >= 1
        limits[json.dumps(props["ApiId"])] = (settings["ThrottlingRateLimit"], props.get("RouteSettings"))
    apis = {k: v["Properties"]["Name"] for k, v in _resources(template, "AWS::ApiGatewayV2::Api").items()}
    by_name = {apis[json.loads(api)["Ref"]]: lim for api, lim in limits.items()}
    assert by_name[names.DASHBOARD_API] == (500, None)
    assert by_name[names.PREDICTIONS_API] == (500, None)
    assert by_name[names.CHAT_API] == (50, None)  # each question starts a workflow
    rate, routes = by_name[names.DASHBOARD_WS_API]
    assert rate == 500
    assert routes == {"$connect": {"ThrottlingRateLimit": 100, "ThrottlingBurstLimit": 200}}


def _grants_of(template: Template, role_id: str) -> list[dict[str, Any]]:
    grants = _resources(template, "AWS::LakeFormation::PrincipalPermissions").values()
    arn = {"Fn::GetAtt": [role_id, "Arn"]}
    return [
        g["Properties"]["Resource"]
        for g in grants
        if g["Properties"]["Principal"]["DataLakePrincipalIdentifier"] == arn
    ]


def test_lake_formation_governs_the_lake_on_aws_and_stays_out_of_the_local_deploy(template: Template) -> None:
    assert template.to_json()["Parameters"][names.LAKE_FORMATION_PARAMETER]["Default"] == "enabled"
    kinds = ("Resource", "PrincipalPermissions", "DataCellsFilter")
    governed = {
        k: v for kind in kinds for k, v in _resources(template, f"AWS::LakeFormation::{kind}").items()
    }
    assert len(governed) > 10 and all(r["Condition"] == "GovernLake" for r in governed.values())
    (location,) = _resources(template, "AWS::LakeFormation::Resource").values()
    assert location["Properties"]["UseServiceLinkedRole"] is True


def test_analysts_read_curated_tables_without_customer_ids_and_never_raw_or_dead_letters(
    template: Template,
) -> None:
    roles = _resources(template, "AWS::IAM::Role")
    (analyst,) = [
        k for k, r in roles.items() if r["Properties"].get("Description", "").startswith("Analysts")
    ]
    grants = _grants_of(template, analyst)
    tables = {g["Table"]["Name"] for g in grants if "Table" in g}
    filtered = {g["DataCellsFilter"]["TableName"] for g in grants if "DataCellsFilter" in g}
    assert tables == {"dim_date", "dim_artist", "dim_venue", "dim_concert"}
    assert filtered == {"fact_ticket_sales", "fact_refunds"}
    filters = [f["Properties"] for f in _resources(template, "AWS::LakeFormation::DataCellsFilter").values()]
    assert {f["TableName"] for f in filters} == filtered
    assert all(f["ColumnWildcard"] == {"ExcludedColumnNames": ["customer_id"]} for f in filters)
    assert not {"raw_events", "dead_letters", "event_log"} & (tables | filtered)


def test_the_warehouse_role_reads_every_lake_table_through_lake_formation(template: Template) -> None:
    roles = _resources(template, "AWS::IAM::Role")
    (copy_role,) = [k for k, r in roles.items() if "Redshift COPY" in r["Properties"].get("Description", "")]
    grants = _grants_of(template, copy_role)
    glue_tables = {
        t["Properties"]["TableInput"]["Name"] for t in _resources(template, "AWS::Glue::Table").values()
    }
    assert {g["Table"]["Name"] for g in grants if "Table" in g} == glue_tables
    assert any("Database" in g for g in grants)
