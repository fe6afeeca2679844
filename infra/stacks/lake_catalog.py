"""The Glue Data Catalog of the lake, so Athena and Redshift Spectrum can query it.

One table per curated table (columns from the warehouse DDL, the single definition), plus
the raw zone and the dead letters. Partitions are found by partition projection on the
`date` (and raw `event_type`) keys, so no crawler and no partition loading is needed.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
from aws_cdk import Stack
from aws_cdk import aws_glue as glue
from aws_cdk import aws_s3 as s3
from constructs import Construct

from consumers.lake import DEAD_SCHEMA, RAW_SCHEMA
from consumers.tables import table_schemas
from infra.stacks.environment import names_of

# Kept in the warehouse, never in the lake.
WAREHOUSE_ONLY = {"agg_daily_sales", "etl_batches", "etl_lease", "entity_crosswalk", "fact_concert_published"}
EVENT_TYPES = (
    "ArtistUpserted,VenueUpserted,ConcertScheduled,ConcertUpdated,ConcertCancelled,"
    "TicketSold,TicketRefunded,_invalid"
)


def hive_type(t: pa.DataType) -> str:
    """The Glue (Hive) column type of an Arrow type."""
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return "timestamp"
    simple = {
        pa.int64(): "bigint",
        pa.int32(): "int",
        pa.int16(): "smallint",
        pa.bool_(): "boolean",
        pa.date32(): "date",
        pa.float64(): "double",
        pa.string(): "string",
        pa.binary(): "binary",
    }
    if t in simple:
        return simple[t]
    raise ValueError(f"no Glue type for Arrow type {t}")


def _date_projection() -> dict[str, str]:
    return {
        "projection.date.type": "date",
        "projection.date.format": "yyyy-MM-dd",
        "projection.date.range": "2020-01-01,NOW",
        "projection.date.interval": "1",
        "projection.date.interval.unit": "DAYS",
    }


class LakeCatalog(Construct):
    """Glue database and Parquet tables over the lake bucket."""

    def __init__(self, scope: Construct, cid: str, *, lake: s3.IBucket) -> None:
        super().__init__(scope, cid)
        n = names_of(self)
        account = Stack.of(self).account
        self.database_name = n.glue_database
        database = glue.CfnDatabase(
            self,
            "Database",
            catalog_id=account,
            database_input=glue.CfnDatabase.DatabaseInputProperty(
                name=self.database_name, description="Concert Data Platform lake (curated, raw, dead letters)"
            ),
        )
        tables: dict[str, tuple[pa.Schema, str, list[str], dict[str, str]]] = {
            name: (schema, f"curated/{name}", ["date"], {})
            for name, schema in table_schemas().items()
            if name not in WAREHOUSE_ONLY
        }
        tables["raw_events"] = (
            RAW_SCHEMA,
            "raw",
            ["event_type", "date"],
            {"projection.event_type.type": "enum", "projection.event_type.values": EVENT_TYPES},
        )
        tables["dead_letters"] = (DEAD_SCHEMA, "dead", ["date"], {})
        self.tables = list(tables)
        for name, (schema, prefix, partitions, projection) in tables.items():
            fields = [(f.name, hive_type(f.type)) for f in schema]
            template = f"s3://{lake.bucket_name}/{prefix}/" + "/".join(f"{p}=${{{p}}}" for p in partitions)
            parameters: dict[str, Any] = {
                "classification": "parquet",
                "projection.enabled": "true",
                "storage.location.template": template,
                **_date_projection(),
                **projection,
            }
            table = glue.CfnTable(
                self,
                f"Table{''.join(part.title() for part in name.split('_'))}",
                catalog_id=account,
                database_name=self.database_name,
                table_input=glue.CfnTable.TableInputProperty(
                    name=name,
                    table_type="EXTERNAL_TABLE",
                    parameters=parameters,
                    partition_keys=[glue.CfnTable.ColumnProperty(name=p, type="string") for p in partitions],
                    storage_descriptor=glue.CfnTable.StorageDescriptorProperty(
                        location=f"s3://{lake.bucket_name}/{prefix}/",
                        input_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
                        output_format="org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
                        serde_info=glue.CfnTable.SerdeInfoProperty(
                            serialization_library="org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"
                        ),
                        columns=[glue.CfnTable.ColumnProperty(name=n, type=t) for n, t in fields],
                    ),
                ),
            )
            table.node.add_dependency(database)
