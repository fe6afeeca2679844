"""Findings of the template checks (cfn-lint, checkov) accepted on purpose: each is suppressed
on the resource it concerns, with the reason beside it, so the checks stay at zero findings
and a new finding fails `make test`."""

from __future__ import annotations

import aws_cdk as cdk
import jsii
from constructs import IConstruct


@jsii.implements(cdk.IAspect)
class CfnLintSuppressions:
    """Accepted cfn-lint findings, suppressed on the resource with the reason beside them."""

    REASONS = {
        "W3005": "CDK adds an explicit DependsOn on the role beside the GetAtt so the function (or state "
        "machine) is created after its policy; the duplicate dependency is harmless.",
    }

    def visit(self, node: IConstruct) -> None:
        """Mark every Lambda function and state machine (their role dependency is the one finding)."""
        kinds = ("AWS::Lambda::Function", "AWS::StepFunctions::StateMachine")
        if isinstance(node, cdk.CfnResource) and node.cfn_resource_type in kinds:
            node.add_metadata("cfn-lint", {"config": {"ignore_checks": list(self.REASONS)}})
            node.add_metadata("cfn-lint-reasons", self.REASONS)


LAMBDA_REASONS = {
    "CKV_AWS_117": "Not in a VPC: the functions call only AWS APIs (Kinesis, S3, DynamoDB, Redshift Data "
    "API, Step Functions, EventBridge) over TLS with IAM; a VPC would add NAT or endpoints without "
    "narrowing what they can reach.",
    "CKV_AWS_115": "No reserved concurrency: workflow tasks are bounded by Step Functions (one execution per "
    "batch, Map concurrency 1), the stream consumer by its shards; reserving would take from the "
    "account pool. A per-environment knob (docs/aws-deployment.md).",
    "CKV_AWS_173": "Environment variables hold resource names and settings only (the secret scanner in "
    "make test keeps it so); Lambda encrypts them at rest with an AWS managed key.",
    "CKV_AWS_116": "No function DLQ: these functions are invoked synchronously (Step Functions tasks with "
    "Retry/Catch, API Gateway) or by an event source mapping with its own on-failure destination; a "
    "function DLQ only applies to asynchronous invocations (the upload ingester, invoked "
    "asynchronously by S3, has one; the dashboard's broadcaster, invoked asynchronously by the live "
    "consumer, carries frames that are stale within seconds: no retry, no DLQ, by design).",
}
REASONS = {
    "AWS::Lambda::Function": LAMBDA_REASONS,
    "AWS::SQS::Queue": {
        "CKV_AWS_27": "Encrypted at rest with SSE-SQS (SQS-owned keys, TLS-only policy); a customer managed "
        "KMS key is only needed for cross-account consumers, which these queues do not have.",
    },
    "AWS::Logs::LogGroup": {
        "CKV_AWS_158": "CloudWatch Logs encrypts log data at rest by default; the API access logs hold "
        "request ids, routes, statuses and latencies, the KCL worker's log its batch, shard and count lines "
        "and the VPC flow log connection records: no event payloads.",
    },
    "AWS::SecretsManager::Secret": {
        "CKV_AWS_149": "The dashboard's token signing key is encrypted with the AWS managed key; only the "
        "dashboard's authorizers, its API and the operator's CLI read it, all in this account, so a customer "
        "managed key would add a key policy without narrowing who can decrypt.",
    },
    "AWS::CloudFront::Distribution": {
        "CKV_AWS_68": "The distribution serves the dashboard's static files only (no data: every API call "
        "carries a signed token checked by a Lambda authorizer); a WAF web ACL (from $5/month) is a "
        "deployment choice documented in docs/aws-deployment.md.",
        "CKV_AWS_86": "CloudFront standard logs need an ACL-enabled bucket, and the platform's buckets "
        "enforce bucket-owner ownership (no ACLs); the data plane is logged by the APIs' access logs.",
        "CKV_AWS_174": "With CloudFront's default certificate the viewer TLS policy cannot be set; a custom "
        "domain with an ACM certificate and TLSv1.2_2021 is the documented production setting.",
    },
    "AWS::DynamoDB::Table": {
        "CKV_AWS_119": "Encrypted at rest with the AWS managed key; a customer managed key adds cost and key "
        "policy management without a cross-account reader to serve.",
    },
}
ACCESS_LOG_BUCKET_REASON = {
    "CKV_AWS_18": "The access-log destination of the other buckets: logging it into itself would loop.",
}


@jsii.implements(cdk.IAspect)
class CheckovSuppressions:
    """checkov skips (`Metadata.checkov.skip`) with their reasons, by resource type."""

    def visit(self, node: IConstruct) -> None:
        """Annotate the resource kinds with accepted findings."""
        if not isinstance(node, cdk.CfnResource):
            return
        reasons = dict(REASONS.get(node.cfn_resource_type, {}))
        if node.cfn_resource_type == "AWS::S3::Bucket" and "AccessLogsBucket" in node.node.path:
            reasons |= ACCESS_LOG_BUCKET_REASON
        if reasons:
            node.add_metadata("checkov", {"skip": [{"id": k, "comment": v} for k, v in reasons.items()]})
