"""The CDK app (`cdk.json` runs `python -m infra.app`; `concert deploy` calls `synthesize`).

`-c env=NAME` chooses the environment (infra/environments.toml): its stack name and physical
names (infra/names.py) and its settings. Default: `dev` for the AWS synthesis, `local` otherwise.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import aws_cdk as cdk

from infra import names
from infra.bundle import ML_REQUIREMENTS, ROOT, build_lambda_asset, build_training_source
from infra.environments import context_keys, resolve_settings
from infra.stacks.environment import ENV_CONTEXT_KEY
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
    """Construct the app (without synthesizing) for the given output and asset directories.

    The context's `env` names the environment (default `local`); its settings are validated
    before any construct is made."""
    context = {**(context or {})}
    env = str(context.get(ENV_CONTEXT_KEY) or names.DEFAULT_LOCAL_ENVIRONMENT)
    context[ENV_CONTEXT_KEY] = env
    resolve_settings(env, {k: context[k] for k in context_keys() if context.get(k) is not None})
    app = cdk.App(outdir=str(outdir), context={**FEATURE_FLAGS, **context})
    PlatformStack(
        app,
        names.names_for(env).stack,
        lambda_asset=asset_dir,
        ml_asset=ml_asset_dir or asset_dir,
        training_source=training_source or build_training_source(outdir.parent / "training-source.tar.gz"),
        description="Concert Data Platform: streams, lake, DLQ, ingestion",
    )
    return app


def environment(context: dict[str, str] | None, *, for_aws: bool) -> str:
    """The context's `env`, else the target's default (`dev` on AWS, `local` otherwise)."""
    value = (context or {}).get(ENV_CONTEXT_KEY)
    return str(value) if value else names.default_environment("aws" if for_aws else "local")


def synthesize(outdir: Path, *, for_aws: bool = False, context: dict[str, str] | None = None) -> Path:
    """Bundle the Lambda asset, synthesize the app into `outdir`, return the template path.

    The environment's settings (infra/environments.toml) give the buffering policy, shards, ...:
    `dev` waits for 50,000 rows or 5 minutes per load cycle on AWS; `local` loads every landing."""
    env = environment(context, for_aws=for_aws)
    context = {**(context or {}), ENV_CONTEXT_KEY: env}
    shutil.rmtree(outdir, ignore_errors=True)  # old asset copies would pile up otherwise
    asset_dir = build_lambda_asset(outdir.parent / "lambda-asset", with_dependencies=for_aws)
    # Locally ministack runs every function with its own interpreter: one asset serves all.
    ml_asset_dir = (
        build_lambda_asset(outdir.parent / "ml-asset", with_dependencies=True, requirements=ML_REQUIREMENTS)
        if for_aws
        else asset_dir
    )
    source = build_training_source(outdir.parent / "training-source.tar.gz")
    build_app(
        outdir, asset_dir=asset_dir, ml_asset_dir=ml_asset_dir, training_source=source, context=context
    ).synth()
    return outdir / f"{names.names_for(env).stack}.template.json"


if __name__ == "__main__":
    # `npx cdk ... -c env=staging` passes its context in CDK_CONTEXT_JSON.
    cli_context = json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}")
    synthesize(
        Path(os.environ.get("CDK_OUTDIR", ROOT / "build" / "cdk.out")),
        for_aws=os.environ.get("CONCERT_BUNDLE_DEPS") == "1",
        context={k: str(v) for k, v in cli_context.items() if k == ENV_CONTEXT_KEY},
    )
