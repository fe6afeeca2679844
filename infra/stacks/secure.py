"""Storage resources with the platform's defaults: encrypted at rest, TLS-only, private,
recoverable; `retain` keeps the data when the stack is deleted."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from constructs import Construct


class SecureBucket(s3.Bucket):
    """A bucket with SSE, TLS-only policy, public access blocked, versioning on and server
    access logs to `access_logs` (under its own prefix)."""

    def __init__(
        self, scope: Construct, cid: str, *, retain: bool, access_logs: s3.IBucket | None = None
    ) -> None:
        super().__init__(
            scope,
            cid,
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix=f"{cid}/" if access_logs is not None else None,
        )


class SecureQueue(sqs.Queue):
    """An SQS queue with SSE, TLS-only policy and 14-day retention."""

    def __init__(self, scope: Construct, cid: str, *, queue_name: str) -> None:
        super().__init__(
            scope,
            cid,
            queue_name=queue_name,
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )


class SecureTable(dynamodb.Table):
    """An on-demand DynamoDB table keyed by one or two strings, with SSE and point-in-time recovery."""

    def __init__(
        self,
        scope: Construct,
        cid: str,
        *,
        table_name: str,
        keys: tuple[str] | tuple[str, str],
        retain: bool,
        ttl_attribute: str | None = None,
        stream: dynamodb.StreamViewType | None = None,
    ) -> None:
        super().__init__(
            scope,
            cid,
            table_name=table_name,
            partition_key=dynamodb.Attribute(name=keys[0], type=dynamodb.AttributeType.STRING),
            sort_key=dynamodb.Attribute(name=keys[1], type=dynamodb.AttributeType.STRING)
            if len(keys) > 1
            else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            time_to_live_attribute=ttl_attribute,
            stream=stream,
            removal_policy=RemovalPolicy.RETAIN if retain else RemovalPolicy.DESTROY,
        )
