"""The warehouse on AWS (Redshift Serverless) and the roles that load it and read the lake.

The same template serves both targets: the `WarehouseProvider` parameter is
`redshift-serverless` (default, AWS) or `external` (the local Data API endpoint, or an
existing cluster), and the Redshift resources carry a condition on it. The admin password is
generated and kept in Secrets Manager by Redshift itself (`ManageAdminPassword`).

- `CopyRole`: assumed by Redshift for `COPY ... FROM 's3://...'` and Spectrum: reads the
  lake's curated files and manifests, and the Glue catalog of the lake.
- `ConsumerRole`: what the KCL worker runs as (ECS task or EC2): reads the stream, keeps its
  leases in DynamoDB, writes the lake, sends to the DLQ and loads through the Data API.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kinesis as kinesis
from aws_cdk import aws_redshiftserverless as rs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import names
from infra.stacks.environment import names_of, settings_of
from infra.stacks.worker import LEASE_TABLE_SUFFIXES

DATA_API_STATEMENT_ACTIONS = [
    "redshift-data:DescribeStatement",
    "redshift-data:GetStatementResult",
    "redshift-data:ListStatements",
    "redshift-data:CancelStatement",
]

CHAT_TIMEOUT_S, DEFAULT_TIMEOUT_S = 30, 1800
SPILL_LIMIT_MB = 10_240


def _abort(name: str, metric: str, value: int) -> dict[str, Any]:
    return {
        "rule_name": name,
        "predicate": [{"metric_name": metric, "operator": ">", "value": value}],
        "action": "abort",
    }


# Every statement is bounded (query monitoring rules on Serverless query queues): the chat's
# reader role gets its own queue with a tight time and spill limit; everything else (operators,
# loads) the default queue's. Mirrors the local endpoint's `chat` and `operator` policies.
QUERY_QUEUES: list[dict[str, Any]] = [
    {
        "name": "chat",
        "user_role": [names.CHAT_READER_DB_ROLE],
        "rules": [
            _abort("chat_statement_timeout", "query_execution_time", CHAT_TIMEOUT_S),
            _abort("chat_spill", "query_temp_blocks_to_disk", SPILL_LIMIT_MB // 10),
        ],
    },
    {
        "name": "default",
        "rules": [
            _abort("statement_timeout", "query_execution_time", DEFAULT_TIMEOUT_S),
            _abort("spill", "query_temp_blocks_to_disk", SPILL_LIMIT_MB),
        ],
    },
]


class Warehouse(Construct):
    """Redshift Serverless namespace and workgroup (conditional), COPY and consumer roles."""

    def __init__(
        self, scope: Construct, cid: str, *, lake: s3.IBucket, stream: kinesis.IStream, dlq: sqs.IQueue
    ) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        stack = cdk.Stack.of(self)
        provider = cdk.CfnParameter(
            stack,
            names.WAREHOUSE_PROVIDER_PARAMETER,
            type="String",
            default="redshift-serverless",
            allowed_values=["redshift-serverless", "external"],
            description="redshift-serverless creates the workgroup; external: an endpoint outside the stack",
        )
        self.condition = cdk.CfnCondition(
            stack,
            "CreateRedshift",
            expression=cdk.Fn.condition_equals(provider.value_as_string, "redshift-serverless"),
        )

        self.copy_role = iam.Role(
            self,
            "CopyRole",
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("redshift.amazonaws.com"),
                iam.ServicePrincipal("redshift-serverless.amazonaws.com"),
            ),
            description="Redshift COPY from the lake and Spectrum over its Glue catalog",
        )
        self.copy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject"],
                resources=[lake.arn_for_objects("curated/*"), lake.arn_for_objects("manifests/*")],
            )
        )
        self.copy_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn])
        )
        glue_arn = f"arn:{stack.partition}:glue:{stack.region}:{stack.account}"
        self.copy_role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
                resources=[
                    f"{glue_arn}:catalog",
                    f"{glue_arn}:database/{n.glue_database}",
                    f"{glue_arn}:table/{n.glue_database}/*",
                ],
            )
        )

        namespace = rs.CfnNamespace(
            self,
            "Namespace",
            namespace_name=n.warehouse_namespace,
            db_name=n.warehouse_database,
            admin_username="concert_admin",
            manage_admin_password=True,
            iam_roles=[self.copy_role.role_arn],
            default_iam_role_arn=self.copy_role.role_arn,
            log_exports=["userlog", "connectionlog", "useractivitylog"],
        )
        workgroup = rs.CfnWorkgroup(
            self,
            "Workgroup",
            workgroup_name=n.warehouse_workgroup,
            namespace_name=n.warehouse_namespace,
            base_capacity=settings_of(self).redshift_base_capacity,
            publicly_accessible=False,
            enhanced_vpc_routing=True,
            config_parameters=[
                rs.CfnWorkgroup.ConfigParameterProperty(
                    parameter_key="wlm_json_configuration", parameter_value=json.dumps(QUERY_QUEUES)
                )
            ],
        )
        workgroup.node.add_dependency(namespace)
        for res in (namespace, workgroup):
            res.cfn_options.condition = self.condition

        self.consumer_role = iam.Role(
            self,
            "ConsumerRole",
            assumed_by=iam.CompositePrincipal(
                iam.ServicePrincipal("ecs-tasks.amazonaws.com"), iam.ServicePrincipal("ec2.amazonaws.com")
            ),
            description="The KCL consumer: stream, leases, lake, DLQ and warehouse loads",
        )
        stream.grant_read(self.consumer_role)
        # The KCL's lease tables of this environment only (never `concert-*`: that would reach
        # every table of every environment in the account).
        lease_tables = [
            f"arn:{stack.partition}:dynamodb:{stack.region}:{stack.account}:table/{n.kcl_application}{suffix}"
            for suffix in LEASE_TABLE_SUFFIXES
        ]
        self.consumer_role.add_to_policy(
            iam.PolicyStatement(
                actions=[
                    "dynamodb:CreateTable",
                    "dynamodb:DescribeTable",
                    "dynamodb:GetItem",
                    "dynamodb:PutItem",
                    "dynamodb:UpdateItem",
                    "dynamodb:DeleteItem",
                    "dynamodb:Scan",
                    "dynamodb:Query",
                ],
                resources=[*lease_tables, *(f"{t}/index/*" for t in lease_tables)],
            )
        )
        self.consumer_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject"],
                resources=[
                    lake.arn_for_objects(f"{p}/*") for p in ("raw", "curated", "dead", "state", "ledger")
                ],
            )
        )
        # A batch landed by an older worker names its files through per-batch COPY manifests; a
        # restarted worker reads them to rebuild its catalog (consumers/etl/manifest.py). It
        # writes none any more.
        self.consumer_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[lake.arn_for_objects("manifests/*")])
        )
        self.consumer_role.add_to_policy(
            iam.PolicyStatement(actions=["s3:ListBucket"], resources=[lake.bucket_arn])
        )
        dlq.grant_send_messages(self.consumer_role)
        # Statement ids are not resources: these actions take no resource-level restriction.
        statements = iam.PolicyStatement(actions=DATA_API_STATEMENT_ACTIONS, resources=["*"])
        self.consumer_role.add_to_policy(statements)
        data_api = iam.Policy(
            self,
            "DataApiAccess",
            roles=[self.consumer_role],
            statements=[
                iam.PolicyStatement(
                    actions=["redshift-data:ExecuteStatement", "redshift-data:BatchExecuteStatement"],
                    resources=[workgroup.attr_workgroup_workgroup_arn],
                ),
                iam.PolicyStatement(
                    actions=["redshift-serverless:GetCredentials"],
                    resources=[workgroup.attr_workgroup_workgroup_arn],
                ),
            ],
        )
        policy = data_api.node.default_child
        assert isinstance(policy, cdk.CfnResource)
        policy.cfn_options.condition = self.condition
        self._data_api = data_api
        self._statements = statements

        for key, value in {
            "WarehouseWorkgroupName": n.warehouse_workgroup,
            "WarehouseDatabaseName": n.warehouse_database,
            "WarehouseNamespaceName": namespace.attr_namespace_namespace_name,
        }.items():
            cdk.CfnOutput(stack, key, value=value, condition=self.condition)
        cdk.CfnOutput(stack, "CopyRoleArn", value=self.copy_role.role_arn)

    def grant_data_api(self, role: iam.IRole) -> None:
        """Let a role run statements on the workgroup through the Data API."""
        role.add_to_principal_policy(self._statements)
        self._data_api.attach_to_role(role)

    def chat_env(self) -> dict[str, str]:
        """The chat's SQL tool as the database user `chat_reader` on the external (local)
        endpoint, which gives that user its tighter bounds; nothing on Redshift Serverless,
        where the user comes from the IAM identity (and its principal tag, the role)."""
        user = cdk.Fn.condition_if(self.condition.logical_id, "", names.CHAT_READER_DB_ROLE)
        return self.env() | {"CONCERT_WAREHOUSE_DB_USER": user.to_string()}

    def env(self) -> dict[str, str]:
        """Where the Data API finds the warehouse (CONCERT_WAREHOUSE_* for DataApiWarehouse)."""
        return {
            "CONCERT_WAREHOUSE_WORKGROUP": names_of(self).warehouse_workgroup,
            "CONCERT_WAREHOUSE_DATABASE": names_of(self).warehouse_database,
            "CONCERT_WAREHOUSE_IAM_ROLE": self.copy_role.role_arn,
        }
