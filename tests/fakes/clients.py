"""The fakes of boto3 clients as the client types the adapters declare (boto3-stubs).

A fake answers only the calls its adapter makes, which mypy cannot check against a whole client
class; the adapter's tests check them. These casts are the one place that says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_kinesis import KinesisClient
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient


def s3_client(fake: object) -> S3Client:
    """`fake` where an S3 client is expected."""
    return cast("S3Client", fake)


def dynamodb_client(fake: object) -> DynamoDBClient:
    """`fake` where a DynamoDB client is expected."""
    return cast("DynamoDBClient", fake)


def sqs_client(fake: object) -> SQSClient:
    """`fake` where an SQS client is expected."""
    return cast("SQSClient", fake)


def kinesis_client(fake: object) -> KinesisClient:
    """`fake` where a Kinesis client is expected."""
    return cast("KinesisClient", fake)


def lambda_client(fake: object) -> LambdaClient:
    """`fake` where a Lambda client is expected."""
    return cast("LambdaClient", fake)
