"""The ETL tasks' adapters, built once per container: the lake, the warehouse, the landing
ledger, Step Functions and the event bus. Handlers call `parts()` at invocation; tests replace
`parts`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import boto3

from consumers.etl.events import EventBus
from consumers.etl.landing_ledger import LandingLedger
from consumers.step_functions import StepFunctions
from consumers.warehouse.client import DataApiWarehouse
from consumers.warehouse.ports import LoadWarehouse
from functions.etl.lake_objects import LakeObjects
from functions.etl.settings import EtlSettings


@dataclass(frozen=True)
class Parts:
    """What the ETL tasks talk to."""

    settings: EtlSettings
    lake: LakeObjects
    warehouse: LoadWarehouse
    ledger: LandingLedger
    sfn: StepFunctions
    events: EventBus


@lru_cache(maxsize=1)
def parts() -> Parts:
    """The settings, validated, and the adapters (first call of a container)."""
    settings = EtlSettings()
    s3 = boto3.client("s3")
    return Parts(
        settings=settings,
        lake=LakeObjects(s3),
        warehouse=DataApiWarehouse(boto3.client("redshift-data")),
        ledger=LandingLedger(s3, settings.lake_bucket),
        sfn=boto3.client("stepfunctions"),
        events=boto3.client("events"),
    )
