"""The delivery bootstrap app: GitHub OIDC federation and a deploy role per environment.

Deployed once per account and region by an administrator, before the pipeline runs:

    npx cdk --app "python -m infra.bootstrap" deploy ConcertDelivery -c github_repository=OWNER/REPO

`-c github_oidc_provider_arn=ARN` reuses the account's provider for token.actions.githubusercontent.com
(an account holds one per URL). The roles are made for every environment of infra/environments.toml
deployed to AWS (all but `local`); `-c environments=dev,staging` chooses others.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import aws_cdk as cdk

from infra.bundle import ROOT
from infra.environments import environments
from infra.names import DEFAULT_LOCAL_ENVIRONMENT
from infra.stacks.delivery import DeliveryStack

STACK_NAME = "ConcertDelivery"


def build_bootstrap(outdir: Path, context: dict[str, str]) -> cdk.App:
    """The app with the delivery stack, from `github_repository` and optional context."""
    app = cdk.App(outdir=str(outdir), context=context)
    repository = str(app.node.try_get_context("github_repository") or "")
    if not repository:
        raise ValueError("context github_repository=OWNER/REPO is required")
    chosen = str(app.node.try_get_context("environments") or "")
    envs = [e for e in chosen.split(",") if e] or [
        e for e in environments() if e != DEFAULT_LOCAL_ENVIRONMENT
    ]
    known = environments()
    unknown = [e for e in envs if e not in known]
    if unknown:
        raise ValueError(f"environments {unknown} are not defined in infra/environments.toml")
    DeliveryStack(
        app,
        STACK_NAME,
        repository=repository,
        environments=envs,
        existing_provider_arn=app.node.try_get_context("github_oidc_provider_arn"),
        description="Concert Data Platform delivery: GitHub OIDC and a deploy role per environment",
    )
    return app


if __name__ == "__main__":
    build_bootstrap(
        Path(os.environ.get("CDK_OUTDIR", ROOT / "build" / "cdk.out.bootstrap")),
        json.loads(os.environ.get("CDK_CONTEXT_JSON") or "{}"),
    ).synth()
