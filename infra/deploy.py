"""Deploy the synthesized CDK app through the CloudFormation API, as the CDK CLI does.

1. publish the file assets named in `<stack>.assets.json` (directories zipped, files as-is)
   to their destination bucket and key, skipping ones already there;
2. create or update the stack with the template, wait for a terminal status, report events;
3. return the stack outputs.

Against the local cloud it also performs the minimal bootstrap the template expects (the
assets bucket and the `/cdk-bootstrap/hnb659fds/version` parameter). Against AWS the real
`cdk bootstrap` must have run: its absence is an error that says so.
"""

from __future__ import annotations

import hashlib
import io
import json
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from cloud.clients import client
from infra import names

if TYPE_CHECKING:
    from mypy_boto3_cloudformation import CloudFormationClient


BOOTSTRAP_QUALIFIER = "hnb659fds"
BOOTSTRAP_VERSION = "27"
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_NAMED_IAM", "CAPABILITY_AUTO_EXPAND"]
MAX_INLINE_TEMPLATE = 51_200
_DONE_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
_DONE_BAD = {
    "CREATE_FAILED",
    "ROLLBACK_COMPLETE",
    "ROLLBACK_FAILED",
    "UPDATE_ROLLBACK_COMPLETE",
    "UPDATE_ROLLBACK_FAILED",
    "DELETE_COMPLETE",
    "DELETE_FAILED",
    "UPDATE_FAILED",
}


class DeployError(RuntimeError):
    """The deployment failed; the message names the failing resources and reasons."""


@dataclass
class DeployResult:
    """What a deployment did."""

    stack_name: str
    status: str
    outputs: dict[str, str]
    assets_uploaded: int
    assets_skipped: int
    elapsed_s: float


def _zip_dir(path: Path) -> bytes:
    """Zip a directory deterministically (sorted entries, fixed timestamps), as CDK does."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(p for p in path.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(f.relative_to(path)), date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, f.read_bytes())
    return buf.getvalue()


def _substitute(text: str, account: str, region: str) -> str:
    return (
        text.replace("${AWS::AccountId}", account)
        .replace("${AWS::Region}", region)
        .replace("${AWS::Partition}", "aws")
    )


def _account_region() -> tuple[str, str]:
    sts = client("sts")
    account = sts.get_caller_identity()["Account"]
    return str(account), str(sts.meta.region_name)


def bootstrap_local(account: str, region: str) -> None:
    """Create what `cdk bootstrap` would, as far as the template needs it: bucket and version parameter."""
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"
    s3 = client("s3")
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError:
        s3.create_bucket(Bucket=bucket)
    client("ssm").put_parameter(
        Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version",
        Value=BOOTSTRAP_VERSION,
        Type="String",
        Overwrite=True,
    )


def publish_assets(cdk_out: Path, stack_name: str, account: str, region: str) -> tuple[int, int]:
    """Upload every file asset of the stack; return (uploaded, already present)."""
    manifest = json.loads((cdk_out / f"{stack_name}.assets.json").read_text())
    s3 = client("s3")
    uploaded = skipped = 0
    for asset in manifest.get("files", {}).values():
        src = cdk_out / asset["source"]["path"]
        for dest in asset["destinations"].values():
            bucket = _substitute(dest["bucketName"], account, region)
            key = _substitute(dest["objectKey"], account, region)
            try:
                s3.head_object(Bucket=bucket, Key=key)
                skipped += 1
                continue
            except ClientError as err:
                if err.response["Error"]["Code"] not in ("404", "NoSuchKey", "NotFound"):
                    raise
            body = _zip_dir(src) if asset["source"].get("packaging") == "zip" else src.read_bytes()
            s3.put_object(Bucket=bucket, Key=key, Body=body)
            uploaded += 1
    return uploaded, skipped


def _stack_status(cfn: CloudFormationClient, stack_name: str) -> str | None:
    try:
        return str(cfn.describe_stacks(StackName=stack_name)["Stacks"][0]["StackStatus"])
    except ClientError as err:
        if "does not exist" in str(err):
            return None
        raise


def _failure_reasons(cfn: CloudFormationClient, stack_name: str) -> list[str]:
    events = cfn.describe_stack_events(StackName=stack_name).get("StackEvents", [])
    return [
        f"{e['LogicalResourceId']} ({e['ResourceType']}): {e.get('ResourceStatusReason', '')}"
        for e in events
        if e.get("ResourceStatus", "").endswith("FAILED")
    ][:10]


def _upload_template(template: str, stack_name: str, account: str, region: str) -> str:
    body = template.encode()
    bucket = f"cdk-{BOOTSTRAP_QUALIFIER}-assets-{account}-{region}"
    key = f"templates/{stack_name}-{hashlib.sha256(body).hexdigest()[:16]}.json"
    client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json")
    return f"https://s3.{region}.amazonaws.com/{bucket}/{key}"


def deploy_template(
    cdk_out: Path,
    *,
    stack_name: str = names.STACK_NAME,
    local: bool,
    progress: Callable[[str], None] = lambda _msg: None,
    timeout_s: float = 900.0,
    parameters: dict[str, str] | None = None,
) -> DeployResult:
    """Publish assets and create or update the stack from `cdk_out`; wait and return its outputs."""
    started = time.monotonic()
    account, region = _account_region()
    if local:  # the warehouse is the local Data API endpoint, not a Redshift workgroup in the stack;
        # and no Lake Formation (the local cloud has none: the lake is read with IAM alone)
        parameters = {
            names.WAREHOUSE_PROVIDER_PARAMETER: "external",
            names.LAKE_FORMATION_PARAMETER: "disabled",
            **(parameters or {}),
        }
        bootstrap_local(account, region)
    else:
        try:
            client("ssm").get_parameter(Name=f"/cdk-bootstrap/{BOOTSTRAP_QUALIFIER}/version")
        except ClientError as err:
            raise DeployError(
                f"this account/region is not CDK-bootstrapped: run `npx cdk bootstrap aws://{account}/{region}`"
            ) from err
    progress("publishing assets")
    uploaded, skipped = publish_assets(cdk_out, stack_name, account, region)

    template = (cdk_out / f"{stack_name}.template.json").read_text()
    cfn = client("cloudformation")
    args: dict[str, Any] = {"StackName": stack_name, "Capabilities": CAPABILITIES}
    if len(template.encode()) <= MAX_INLINE_TEMPLATE:
        args["TemplateBody"] = template
    else:  # too big to send inline: from the assets bucket, as `cdk deploy` does
        args["TemplateURL"] = _upload_template(template, stack_name, account, region)
    if parameters:
        args["Parameters"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in parameters.items()]
    status = _stack_status(cfn, stack_name)
    if status == "ROLLBACK_COMPLETE":
        progress("deleting the stack left by a failed first create")
        cfn.delete_stack(StackName=stack_name)
        cfn.get_waiter("stack_delete_complete").wait(StackName=stack_name)
        status = None
    try:
        if status is None:
            progress("creating stack")
            cfn.create_stack(**args, OnFailure="ROLLBACK")
        else:
            progress("updating stack")
            cfn.update_stack(**args)
    except ClientError as err:
        if "No updates are to be performed" not in str(err):
            raise
        progress("no changes")

    deadline = time.monotonic() + timeout_s
    while True:
        status = _stack_status(cfn, stack_name) or "MISSING"
        if status in _DONE_OK:
            break
        if status in _DONE_BAD or status == "MISSING":
            raise DeployError(
                f"stack {stack_name} ended {status}: " + "; ".join(_failure_reasons(cfn, stack_name))
            )
        if time.monotonic() > deadline:
            raise DeployError(f"stack {stack_name} still {status} after {timeout_s:.0f}s")
        progress(status)
        time.sleep(0.5)
    if local:
        apply_ttls(template, stack_name, progress)
    outputs = stack_outputs(stack_name)
    return DeployResult(stack_name, status, outputs, uploaded, skipped, round(time.monotonic() - started, 2))


def apply_ttls(
    template: str, stack_name: str, progress: Callable[[str], None] = lambda _m: None
) -> list[str]:
    """Turn on the TTL of each table whose template asks for one (ministack's CloudFormation
    skips `TimeToLiveSpecification`; its UpdateTimeToLive works: expired items are then
    removed locally too). Returns the tables it turned it on for."""
    wanted = {
        logical: spec["AttributeName"]
        for logical, res in json.loads(template).get("Resources", {}).items()
        if res.get("Type") == "AWS::DynamoDB::Table"
        and (spec := res.get("Properties", {}).get("TimeToLiveSpecification", {})).get("Enabled")
    }
    if not wanted:
        return []
    ddb = client("dynamodb")
    resources = client("cloudformation").describe_stack_resources(StackName=stack_name)["StackResources"]
    turned_on = []
    for res in resources:
        attribute = wanted.get(res["LogicalResourceId"])
        if attribute is None:
            continue
        table = res["PhysicalResourceId"]
        current = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
        if current.get("TimeToLiveStatus") == "ENABLED" and current.get("AttributeName") == attribute:
            continue
        ddb.update_time_to_live(
            TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": attribute}
        )
        progress(f"TTL on {table}.{attribute}")
        turned_on.append(table)
    return turned_on


def stack_outputs(stack_name: str = names.STACK_NAME) -> dict[str, str]:
    """The stack's outputs as a dict (empty when the stack does not exist)."""
    try:
        stack = client("cloudformation").describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError:
        return {}
    return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
