"""Lake Formation over the lake (AWS only): who may read which table, and which columns.

- The lake bucket is registered with Lake Formation (its service-linked role vends the
  credentials), so Athena, Redshift Spectrum and Glue read it only as Lake Formation grants.
- **Analysts** (the `AnalystRole`, assumed by principals of this account that IAM allows to)
  read the curated tables: the dimensions, and the ticket sales and refunds through a data
  cells filter that leaves out `customer_id`. Not the raw events, not the dead letters, not
  the pipeline's own tables (the event log, facts waiting for their concert).
- **The pipeline** is granted what it uses: the warehouse's COPY/Spectrum role describes and
  selects every table of the database. The worker and the compaction write objects with their
  IAM policies, which Lake Formation does not replace for S3 itself.

Everything carries the `GovernLake` condition (parameter `LakeFormation`, default `enabled`):
the local deploy sets it to `disabled`, as it sets the warehouse to `external`. The
principal deploying the stack must be a Lake Formation data lake administrator (one-time:
docs/aws-deployment.md); the stack does not change the account's administrators, which
`AWS::LakeFormation::DataLakeSettings` would replace wholesale.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lakeformation as lf
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import names
from infra.stacks.environment import names_of

ANALYST_TABLES = ("dim_date", "dim_artist", "dim_venue", "dim_concert", "fact_ticket_sales", "fact_refunds")
HIDDEN_FROM_ANALYSTS = ("customer_id",)
R = TypeVar("R", bound=cdk.CfnResource)


class LakeGovernance(Construct):
    """The lake's registration, the analyst role and the grants (conditional)."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        lake: s3.IBucket,
        tables: Iterable[str],
        pipeline: iam.IRole,
        after: Construct,
    ) -> None:
        """Govern `lake` whose Glue `tables` are made by `after`; `pipeline` reads every table."""
        super().__init__(scope, cid)
        n = names_of(self)
        stack = cdk.Stack.of(self)
        parameter = cdk.CfnParameter(
            stack,
            names.LAKE_FORMATION_PARAMETER,
            type="String",
            default="enabled",
            allowed_values=["enabled", "disabled"],
            description="enabled: Lake Formation governs the lake (AWS); disabled: IAM only (local)",
        )
        self.condition = cdk.CfnCondition(
            stack, "GovernLake", expression=cdk.Fn.condition_equals(parameter.value_as_string, "enabled")
        )
        self.tables = sorted(tables)
        self._governed: list[cdk.CfnResource] = []
        location = lf.CfnResource(
            self, "LakeLocation", resource_arn=lake.bucket_arn, use_service_linked_role=True
        )
        self._keep(location)

        self.analyst_role = iam.Role(
            self,
            "AnalystRole",
            assumed_by=iam.AccountRootPrincipal(),
            description="Analysts: the lake's curated tables through Lake Formation, customer ids hidden",
        )
        glue_arn = f"arn:{stack.partition}:glue:{stack.region}:{stack.account}"
        self.analyst_role.add_to_policy(
            iam.PolicyStatement(
                actions=["lakeformation:GetDataAccess"],
                resources=["*"],  # scoped by the grants below
            )
        )
        self.analyst_role.add_to_policy(
            iam.PolicyStatement(
                actions=["glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:GetPartitions"],
                resources=[
                    f"{glue_arn}:catalog",
                    f"{glue_arn}:database/{n.glue_database}",
                    *(f"{glue_arn}:table/{n.glue_database}/{t}" for t in ANALYST_TABLES),
                ],
            )
        )
        self._grant_database(self.analyst_role, "Analyst")
        for table in ANALYST_TABLES:
            if table in ("fact_ticket_sales", "fact_refunds"):
                self._grant_filtered(self.analyst_role, table)
            else:
                self._grant_table(self.analyst_role, table, "Analyst", ["SELECT", "DESCRIBE"])
        self._grant_database(pipeline, "Pipeline")
        for table in self.tables:
            self._grant_table(pipeline, table, "Pipeline", ["SELECT", "DESCRIBE"])
        for resource in self._governed:
            resource.cfn_options.condition = self.condition
            if resource is not location:
                resource.node.add_dependency(location, after)

    def _keep(self, resource: R) -> R:
        self._governed.append(resource)
        return resource

    def _grant(
        self, cid: str, role: iam.IRole, permissions: list[str], **resource: Any
    ) -> lf.CfnPrincipalPermissions:
        """`permissions` on one resource (`database=`, `table=` or `data_cells_filter=`), no grant option."""
        Res = lf.CfnPrincipalPermissions
        return self._keep(
            Res(
                self,
                cid,
                principal=Res.DataLakePrincipalProperty(data_lake_principal_identifier=role.role_arn),
                resource=Res.ResourceProperty(**resource),
                permissions=permissions,
                permissions_with_grant_option=[],
            )
        )

    def _grant_database(self, role: iam.IRole, who: str) -> None:
        database = lf.CfnPrincipalPermissions.DatabaseResourceProperty(
            catalog_id=cdk.Aws.ACCOUNT_ID, name=names_of(self).glue_database
        )
        self._grant(f"{who}Database", role, ["DESCRIBE"], database=database)

    def _grant_table(self, role: iam.IRole, table: str, who: str, permissions: list[str]) -> None:
        resource = lf.CfnPrincipalPermissions.TableResourceProperty(
            catalog_id=cdk.Aws.ACCOUNT_ID, database_name=names_of(self).glue_database, name=table
        )
        self._grant(f"{who}{_camel(table)}", role, permissions, table=resource)

    def _grant_filtered(self, role: iam.IRole, table: str) -> None:
        """SELECT on every row of `table` and every column but the customer's."""
        name = f"{table}_without_customer"
        cells = self._keep(
            lf.CfnDataCellsFilter(
                self,
                f"Filter{_camel(table)}",
                name=name,
                table_catalog_id=cdk.Aws.ACCOUNT_ID,
                database_name=names_of(self).glue_database,
                table_name=table,
                row_filter=lf.CfnDataCellsFilter.RowFilterProperty(all_rows_wildcard={}),
                column_wildcard=lf.CfnDataCellsFilter.ColumnWildcardProperty(
                    excluded_column_names=list(HIDDEN_FROM_ANALYSTS)
                ),
            )
        )
        resource = lf.CfnPrincipalPermissions.DataCellsFilterResourceProperty(
            database_name=names_of(self).glue_database,
            name=name,
            table_catalog_id=cdk.Aws.ACCOUNT_ID,
            table_name=table,
        )
        grant = self._grant(f"AnalystFiltered{_camel(table)}", role, ["SELECT"], data_cells_filter=resource)
        grant.node.add_dependency(cells)


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))
