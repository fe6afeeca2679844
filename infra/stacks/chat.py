"""The chatbot: the chat workflow (state_machines/chat.asl.json) with its plan, tool and
answer functions, conversation memory (DynamoDB with TTL), and the chat HTTP API (IAM auth)
whose Lambda starts the workflow and returns the answer. Each tool is its own function with
only the permissions it needs; the SQL tool's role maps to a read-only database role."""

from __future__ import annotations

import json
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import Duration
from aws_cdk import aws_apigatewayv2 as apigw
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import names
from infra.bundle import ROOT
from infra.stacks.api_limits import throttle_http_api
from infra.stacks.environment import names_of
from infra.stacks.ml import _arn, access_logged
from infra.stacks.secure import SecureTable
from infra.stacks.workflows import task_function

CHAT_ASL = ROOT / "state_machines" / "chat.asl.json"
# substitution in the ASL -> (handler, needs the models)
TOOLS = {
    "QueryWarehouseArn": ("query_warehouse", False),
    "PredictSalesArn": ("predict_sales", True),
    "RecommendConcertsArn": ("recommend_concerts", True),
    "RankVenuesArn": ("rank_venues", True),
    "PipelineStatusArn": ("pipeline_status", False),
    "ExplainSchemaArn": ("explain_schema", False),
}


class Chat(Construct):
    """Chat workflow, functions, sessions table and HTTP API."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lambda_asset: Path,
        ml_asset: Path,
        models: s3.IBucket,
        registry_table: str,
        registry_arn: str,
        pipeline_machines: dict[str, sfn.IStateMachine],
        dead_letter_queues: list[sqs.IQueue],
        warehouse_env: dict[str, str],
        query_env: dict[str, str],
        retain: bool,
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        self.sessions = SecureTable(
            self,
            "Sessions",
            table_name=n.chat_sessions_table,
            keys=("session",),
            ttl_attribute="expires_at",
            retain=retain,
        )
        planner = str(self.node.try_get_context("chat_planner") or "deterministic")
        model_id = str(self.node.try_get_context("bedrock_model_id") or "")
        base = {
            "POWERTOOLS_SERVICE_NAME": "chat",
            "SESSIONS_TABLE": self.sessions.table_name,
            **warehouse_env,
        }

        def fn(
            module: str, handler: str, asset: Path, env: dict[str, str], memory: int = 1024
        ) -> lambda_.Function:
            step = module if handler == "handler" else handler
            return task_function(
                self,
                package="chat",
                module=step,
                handler=f"functions.chat.{module}.{handler}",
                name=f"{n.chat_function_prefix}{step.replace('_', '-')}",
                asset=asset,
                timeout=Duration.seconds(60),
                memory_mb=memory,
                environment=env,
            )

        plan_env = base | {"CHAT_PLANNER": planner} | ({"BEDROCK_MODEL_ID": model_id} if model_id else {})
        self.plan = fn("plan", "handler", lambda_asset, plan_env)
        self.sessions.grant(self.plan, "dynamodb:GetItem")
        if planner == "bedrock":
            if not model_id:
                raise ValueError(
                    "-c chat_planner=bedrock needs -c bedrock_model_id=<model or inference profile>"
                )
            self.plan.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["bedrock:InvokeModel"],
                    resources=[
                        f"arn:{cdk.Aws.PARTITION}:bedrock:*::foundation-model/*",
                        _arn(self, "bedrock", "inference-profile", model_id),
                    ],
                )
            )
        self.answer = fn("answer", "handler", lambda_asset, base)
        self.sessions.grant(self.answer, "dynamodb:GetItem", "dynamodb:PutItem")

        machines = {key: m.state_machine_arn for key, m in pipeline_machines.items()}
        tool_env = {
            "MODELS_BUCKET": models.bucket_name,
            "REGISTRY_TABLE": registry_table,
            "PIPELINE_STATE_MACHINES": cdk.Stack.of(self).to_json_string(machines),
            "DEAD_LETTER_QUEUES": json.dumps(n.dead_letter_queues),
            "OMP_NUM_THREADS": "1",
            **base,
        }
        self.tools: dict[str, lambda_.Function] = {}
        for key, (handler, needs_models) in TOOLS.items():
            tool = fn(
                "tool_steps",
                handler,
                ml_asset if needs_models else lambda_asset,
                tool_env,
                2048 if needs_models else 1024,
            )
            if needs_models:
                tool.add_to_role_policy(
                    iam.PolicyStatement(
                        actions=["s3:GetObject"], resources=[models.arn_for_objects("models/*")]
                    )
                )
                tool.add_to_role_policy(
                    iam.PolicyStatement(actions=["dynamodb:GetItem"], resources=[registry_arn])
                )
            self.tools[key] = tool
        status = self.tools["PipelineStatusArn"]
        for queue in dead_letter_queues:
            status.add_to_role_policy(
                iam.PolicyStatement(
                    actions=["sqs:GetQueueUrl", "sqs:GetQueueAttributes"], resources=[queue.queue_arn]
                )
            )
        status.add_to_role_policy(
            iam.PolicyStatement(actions=["states:ListExecutions"], resources=list(machines.values()))
        )
        status.add_to_role_policy(  # DescribeAlarms takes no resource-level restriction
            iam.PolicyStatement(actions=["cloudwatch:DescribeAlarms"], resources=["*"])
        )
        # On AWS the SQL tool's database user gets only the chat_reader role (SELECT on the star
        # schema): Redshift maps this principal tag to database roles at sign-in.
        for name, value in query_env.items():
            self.tools["QueryWarehouseArn"].add_environment(name, value)
        query_role = self.tools["QueryWarehouseArn"].role
        assert query_role is not None
        cdk.Tags.of(query_role).add("RedshiftDbRoles", names.CHAT_READER_DB_ROLE)

        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=n.chat_state_machine,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(CHAT_ASL.read_text()),
            definition_substitutions={
                "PlanArn": self.plan.function_arn,
                "AnswerArn": self.answer.function_arn,
            }
            | {key: f.function_arn for key, f in self.tools.items()},
            tracing_enabled=True,
            timeout=Duration.minutes(5),
        )
        for f in (self.plan, self.answer, *self.tools.values()):
            f.grant_invoke(self.state_machine)

        self.api_function = fn(
            "api",
            "handler",
            lambda_asset,
            base | {"CHAT_STATE_MACHINE_ARN": self.state_machine.state_machine_arn},
            512,
        )
        self.state_machine.grant_start_execution(self.api_function)
        self.api_function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["states:DescribeExecution"],
                resources=[_arn(self, "states", "execution", f"{n.chat_state_machine}:*", colon=True)],
            )
        )
        self.sessions.grant(self.api_function, "dynamodb:GetItem")
        self.api = apigw.HttpApi(
            self,
            "ChatApi",
            api_name=n.chat_api,
            description="Chat: plain-language questions answered through the chat workflow",
            default_authorizer=authorizers.HttpIamAuthorizer(),
            default_integration=integrations.HttpLambdaIntegration("Chat", self.api_function),
        )
        access_logged(self, self.api, "ChatApiAccessLog")
        throttle_http_api(self, self.api, "chat_api")
        self.functions = [self.plan, self.answer, *self.tools.values(), self.api_function]
        self.client_policy = iam.PolicyStatement(
            actions=["execute-api:Invoke"], resources=[_arn(self, "execute-api", self.api.api_id, "*")]
        )
