"""Physical names shared by the CDK app, the CLI and tests (one place, no drift)."""

from __future__ import annotations

STACK_NAME = "ConcertDataPlatform"
EVENTS_STREAM = "concert-events"
DLQ_QUEUE = "concert-events-dlq"
UPLOAD_FAILURES_QUEUE = "concert-upload-failures"
UPLOAD_PREFIX = "uploads/"
UPLOAD_INGEST_FUNCTION = "concert-upload-ingest"


def bucket_name(kind: str, account: str, region: str) -> str:
    """Bucket names are global on AWS: suffix them with account and region."""
    return f"concert-{kind}-{account}-{region}"


LIVE_AGGREGATES_TABLE = "concert-live-aggregates"
LIVE_AGGREGATES_FUNCTION = "concert-live-aggregates"
LIVE_AGGREGATES_FAILURES_QUEUE = "concert-live-aggregates-failures"
GLUE_DATABASE = "concert_lake"
WAREHOUSE_NAMESPACE = "concert"
WAREHOUSE_WORKGROUP = "concert"
WAREHOUSE_DATABASE = "concert"
WAREHOUSE_PROVIDER_PARAMETER = "WarehouseProvider"
LAKE_FORMATION_PARAMETER = "LakeFormation"
ETL_STATE_MACHINE = "concert-etl"
ETL_FUNCTION_PREFIX = "concert-etl-"
COMPACTION_STATE_MACHINE = "concert-compaction"
COMPACTION_FUNCTION_PREFIX = "concert-compaction-"
MODEL_REGISTRY_TABLE = "concert-model-registry"
RETRAIN_STATE_MACHINE = "concert-retrain"
RETRAIN_FUNCTION_PREFIX = "concert-retrain-"
PREDICTIONS_FUNCTION = "concert-predictions"
PREDICTIONS_API = "concert-predictions"
# The dead-letter queues `concert status` and the chat's pipeline_status tool watch.
DEAD_LETTER_QUEUES = (DLQ_QUEUE, UPLOAD_FAILURES_QUEUE, LIVE_AGGREGATES_FAILURES_QUEUE)
CHAT_STATE_MACHINE = "concert-chat"
CHAT_FUNCTION_PREFIX = "concert-chat-"
CHAT_SESSIONS_TABLE = "concert-chat-sessions"
CHAT_API = "concert-chat"
CHAT_READER_DB_ROLE = "chat_reader"
DASHBOARD_FUNCTION_PREFIX = "concert-dashboard-"
DASHBOARD_CONNECTIONS_TABLE = "concert-dashboard-connections"
DASHBOARD_SIGNING_SECRET = "concert-dashboard-signing-key"  # noqa: S105 (the secret's name)
DASHBOARD_WS_API = "concert-dashboard-live"
DASHBOARD_API = "concert-dashboard"
