"""The deployed template in the local cloud: the lake's Glue catalog and the live-aggregates table."""

from __future__ import annotations

from cloud.clients import client
from consumers.tables import table_schemas
from infra.stacks.lake_catalog import WAREHOUSE_ONLY, hive_type
from tests.conftest import Platform


def test_glue_catalog_describes_the_lake_as_written(aws_env: Platform) -> None:
    outputs = aws_env.outputs
    glue = client("glue")
    tables = {t["Name"]: t for t in glue.get_tables(DatabaseName=outputs["GlueDatabaseName"])["TableList"]}
    assert set(tables) == (set(table_schemas()) - WAREHOUSE_ONLY) | {
        "raw_events",
        "dead_letters",
    }
    sales = tables["fact_ticket_sales"]
    columns = [(c["Name"], c["Type"]) for c in sales["StorageDescriptor"]["Columns"]]
    assert columns == [(f.name, hive_type(f.type)) for f in table_schemas()["fact_ticket_sales"]]
    lake = outputs["LakeBucketName"]
    assert sales["StorageDescriptor"]["Location"] == f"s3://{lake}/curated/fact_ticket_sales/"
    assert (
        sales["Parameters"]["storage.location.template"]
        == f"s3://{lake}/curated/fact_ticket_sales/date=${{date}}"
    )


def test_live_aggregates_table_is_deployed_with_its_keys(aws_env: Platform) -> None:
    """(ministack's CloudFormation does not apply TimeToLiveSpecification; the CDK test checks it.)"""
    name = aws_env.outputs["LiveAggregatesTableName"]
    table = client("dynamodb").describe_table(TableName=name)["Table"]
    assert table["TableStatus"] == "ACTIVE"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
