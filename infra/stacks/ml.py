"""Machine learning: the model registry (S3 artifacts, DynamoDB versions), the retraining
workflow started by `warehouse.updated`, the SageMaker training path, and the predictions
HTTP API (API Gateway HTTP API with IAM authorization, one Lambda)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

from consumers.etl.events import SOURCE_WAREHOUSE, WAREHOUSE_UPDATED
from infra import names
from infra.bundle import ROOT
from infra.stacks.api_limits import throttle_http_api
from infra.stacks.environment import names_of
from infra.stacks.secure import SecureTable
from infra.stacks.workflows import event_started_workflow, task_function

RETRAIN_ASL = ROOT / "state_machines" / "retrain.asl.json"
STEPS = {  # substitution in the ASL -> (handler in functions/retrain/steps.py, minutes, MB)
    "CheckArn": ("check", 5, 1024),
    "ExtractArn": ("extract", 10, 2048),
    "TrainArn": ("train", 15, 3008),
    "EvaluateArn": ("evaluate", 15, 3008),
    "RegisterArn": ("register", 5, 1024),
    "FailedArn": ("failed", 5, 512),
}
# The SageMaker scikit-learn training image per region (override with the `training_image` context).
SKLEARN_IMAGES = {
    "us-east-1": "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "us-east-2": "257758044811.dkr.ecr.us-east-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "us-west-2": "246618743249.dkr.ecr.us-west-2.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
    "eu-west-1": "141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3",
}


def _arn(scope: Construct, service: str, resource: str, name: str, *, colon: bool = False) -> str:
    """An ARN in this stack's account and region (`resource:name` with `colon`, else `resource/name`)."""
    fmt = cdk.ArnFormat.COLON_RESOURCE_NAME if colon else cdk.ArnFormat.SLASH_RESOURCE_NAME
    components = cdk.ArnComponents(service=service, resource=resource, resource_name=name, arn_format=fmt)
    return cdk.Arn.format(components, cdk.Stack.of(scope))


def access_logged(scope: Construct, api: apigw.HttpApi, cid: str) -> logs.LogGroup:
    """Access logs (JSON, one line per request) for an HTTP API's default stage."""
    log_group = logs.LogGroup(
        scope, cid, retention=logs.RetentionDays.ONE_MONTH, removal_policy=RemovalPolicy.DESTROY
    )
    stage = api.default_stage
    assert stage is not None
    cfn_stage = stage.node.default_child
    assert isinstance(cfn_stage, apigw.CfnStage)
    cfn_stage.access_log_settings = apigw.CfnStage.AccessLogSettingsProperty(
        destination_arn=log_group.log_group_arn,
        format=json.dumps(
            {
                "requestId": "$context.requestId",
                "caller": "$context.identity.caller",
                "route": "$context.routeKey",
                "status": "$context.status",
                "latencyMs": "$context.responseLatency",
                "integrationError": "$context.integrationErrorMessage",
            }
        ),
    )
    return log_group


def code_version() -> str:
    """The git commit being deployed (lineage in the registry), or 'unknown'."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        )
    except OSError:
        return "unknown"
    return out.stdout.strip() or "unknown"


class MachineLearning(Construct):
    """Registry, retraining workflow, SageMaker path and predictions API."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        ml_asset: Path,
        training_source: Path,
        models: s3.IBucket,
        bus: events.IEventBus,
        warehouse_env: dict[str, str],
        retain: bool,
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        self.registry = SecureTable(
            self, "Registry", table_name=n.model_registry_table, keys=("model", "version"), retain=retain
        )
        trainer = str(self.node.try_get_context("ml_trainer") or "lambda")
        env = {
            "MODELS_BUCKET": models.bucket_name,
            "REGISTRY_TABLE": self.registry.table_name,
            "CODE_VERSION": code_version(),
            "TRAINER": trainer,
            "TRAINING_JOB_PREFIX": n.training_job_prefix,
            # One OpenMP thread: gradient boosting otherwise spins threads against the other
            # work of a small host (7x slower locally under load), at no cost on Lambda's 2 vCPUs.
            "OMP_NUM_THREADS": "1",
            **warehouse_env,
        }
        objects = models.arn_for_objects("models/*")
        table_actions = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
        self.functions: dict[str, lambda_.Function] = {}
        for key, (step, minutes, memory) in STEPS.items():
            fn = task_function(
                self,
                package="retrain",
                module=step,
                handler=f"functions.retrain.steps.{step}",
                name=f"{n.retrain_function_prefix}{step}",
                asset=ml_asset,
                timeout=Duration.minutes(minutes),
                memory_mb=memory,
                environment={**env, "POWERTOOLS_SERVICE_NAME": "retrain"},
            )
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[objects])
            )
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=["s3:ListBucket"], resources=[models.bucket_arn])
            )
            fn.add_to_role_policy(
                iam.PolicyStatement(actions=table_actions, resources=[self.registry.table_arn])
            )
            self.functions[key] = fn

        # SageMaker path: the same entry points as training jobs (`ml_trainer=sagemaker`).
        source = s3_assets.Asset(self, "TrainingSource", path=str(training_source))
        self.sagemaker_role = iam.Role(
            self,
            "SageMakerTrainingRole",
            assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"),
            description="SageMaker training jobs of the retraining workflow",
        )
        self.sagemaker_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject", "s3:PutObject"], resources=[objects])
        )
        self.sagemaker_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[models.bucket_arn])
        )
        self.sagemaker_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[source.bucket.arn_for_objects(source.s3_object_key)]
            )
        )
        self.sagemaker_role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[_arn(self, "logs", "log-group", "/aws/sagemaker/*", colon=True) + ":*"],
            )
        )
        self.sagemaker_role.add_to_policy(  # GetAuthorizationToken has no resource-level permissions
            iam.PolicyStatement(actions=["ecr:GetAuthorizationToken"], resources=["*"])
        )
        self.sagemaker_role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:BatchCheckLayerAvailability",
                ],
                resources=["arn:aws:ecr:*:*:repository/sagemaker-scikit-learn"],
            )
        )
        images = cdk.CfnMapping(
            self, "SklearnImages", mapping={r: {"uri": u} for r, u in SKLEARN_IMAGES.items()}
        )
        image = self.node.try_get_context("training_image") or images.find_in_map(cdk.Aws.REGION, "uri")

        self.state_machine = event_started_workflow(
            self,
            name=n.retrain_state_machine,
            asl=RETRAIN_ASL,
            functions=self.functions,
            bus=bus,
            rule_id="WarehouseUpdated",
            description="Consider retraining the models when the warehouse has new data",
            pattern=events.EventPattern(source=[SOURCE_WAREHOUSE], detail_type=[WAREHOUSE_UPDATED]),
            substitutions={
                "TrainingImage": str(image),
                "SourceUri": source.s3_object_url,
                "SageMakerRoleArn": self.sagemaker_role.role_arn,
            },
        )
        # This environment's jobs only, model by model (`concert-*` would reach every environment's).
        job_arns = [
            _arn(self, "sagemaker", "training-job", f"{n.training_job(model, '')}*")
            for model in names.TRAINED_MODELS
        ]
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=[
                    "sagemaker:CreateTrainingJob",
                    "sagemaker:DescribeTrainingJob",
                    "sagemaker:StopTrainingJob",
                    "sagemaker:AddTags",
                ],
                resources=job_arns,
            )
        )
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources=[
                    _arn(self, "events", "rule", "StepFunctionsGetEventsForSageMakerTrainingJobsRule")
                ],
            )
        )
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=[self.sagemaker_role.role_arn],
                conditions={"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            )
        )

        # Predictions API.
        self.predictions = lambda_.Function(
            self,
            "Predictions",
            function_name=n.predictions_function,
            runtime=lambda_.Runtime.PYTHON_3_11,
            architecture=lambda_.Architecture.X86_64,
            handler="functions.predictions.handler.handler",
            code=lambda_.Code.from_asset(str(ml_asset)),
            timeout=Duration.seconds(30),
            memory_size=2048,
            tracing=lambda_.Tracing.ACTIVE,
            environment={**env, "POWERTOOLS_SERVICE_NAME": "predictions"},
        )
        self.predictions.add_to_role_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[objects])
        )
        self.predictions.add_to_role_policy(
            iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[self.registry.table_arn])
        )
        self.api = apigw.HttpApi(
            self,
            "PredictionsApi",
            api_name=n.predictions_api,
            description="Predictions: ticket sales, recommendations, venue ranking",
            default_authorizer=authorizers.HttpIamAuthorizer(),
            default_integration=integrations.HttpLambdaIntegration("Predictions", self.predictions),
        )
        access_logged(self, self.api, "PredictionsApiAccessLog")
        throttle_http_api(self, self.api, "predictions_api")
        self.invoke_role = iam.Role(
            self,
            "PredictionsClientRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="Calls the predictions and chat APIs (SigV4)",
        )
        self.invoke_role.add_to_policy(
            iam.PolicyStatement(
                actions=["execute-api:Invoke"],
                resources=[_arn(self, "execute-api", self.api.api_id, "*")],
            )
        )
