"""The CDK app (`cdk.json` runs `python -m infra.app`; `concert deploy` calls `synthesize`)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import aws_cdk as cdk

from infra import names
from infra.bundle import ML_REQUIREMENTS, ROOT, build_lambda_asset, build_training_source
from infra.stacks.platform import PlatformStack

# Behaviour flags of the CDK libraries this app relies on (cdk.json repeats them for `npx cdk`).
FEATURE_FLAGS = {
    # Server access logs are granted by a bucket policy (the log bucket stays BucketOwnerEnforced).
    "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy": True,
}


def build_app(
    outdir: Path,
    *,
    asset_dir: Path,
    ml_asset_dir: Path | None = None,
    training_source: Path | None = None,
    context: dict[str, str] | None = None,
) -> cdk.App:
    """Construct the app (without synthesizing) for the given output and asset directories."""
    app = cdk.App(outdir=str(outdir), context={**FEATURE_FLAGS, **(context or {})})
    PlatformStack(
        app,
        names.STACK_NAME,
        lambda_asset=asset_dir,
        ml_asset=ml_asset_dir or asset_dir,
        training_source=training_source or build_training_source(outdir.parent / "training-source.tar.gz"),
        description="Concert Data Platform: streams, lake, DLQ, ingestion",
    )
    return app


# On AWS a load cycle waits for 50,000 rows or 5 minutes (Firehose's default interval), so
# Redshift Serverless idles between cycles; locally every landing is loaded at once.
AWS_CONTEXT_DEFAULTS = {"load_max_wait_s": "300", "load_min_rows": "50000"}


def synthesize(outdir: Path, *, for_aws: bool = False, context: dict[str, str] | None = None) -> Path:
    """Bundle the Lambda asset, synthesize the app into `outdir`, return the template path."""
    shutil.rmtree(outdir, ignore_errors=True)  # old asset copies would pile up otherwise
    asset_dir = build_lambda_asset(outdir.parent / "lambda-asset", with_dependencies=for_aws)
    # Locally ministack runs every function with its own interpreter: one asset serves all.
    ml_asset_dir = (
        build_lambda_asset(outdir.parent / "ml-asset", with_dependencies=True, requirements=ML_REQUIREMENTS)
        if for_aws
        else asset_dir
    )
    source = build_training_source(outdir.parent / "training-source.tar.gz")
    if for_aws:
        context = {**AWS_CONTEXT_DEFAULTS, **(context or {})}
    build_app(
        outdir, asset_dir=asset_dir, ml_asset_dir=ml_asset_dir, training_source=source, context=context
    ).synth()
    return outdir / f"{names.STACK_NAME}.template.json"


if __name__ == "__main__":
    synthesize(
        Path(os.environ.get("CDK_OUTDIR", ROOT / "build" / "cdk.out")),
        for_aws=os.environ.get("CONCERT_BUNDLE_DEPS") == "1",
    )
