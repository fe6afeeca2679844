"""The delivery bootstrap stack: GitHub OIDC federation, a deploy role per environment trusted only
by this repository's jobs in that GitHub environment, and no reach into another environment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from infra.bootstrap import STACK_NAME, build_bootstrap

REPO = "acme/concert-data-platform"
HOST = "token.actions.githubusercontent.com"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bootstrap")
    build_bootstrap(out, {"github_repository": REPO}).synth()
    loaded: dict[str, Any] = json.loads((out / f"{STACK_NAME}.template.json").read_text())
    return loaded


def _of(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == kind}


def _role(template: dict[str, Any], name: str) -> tuple[str, dict[str, Any]]:
    (found,) = [
        (k, r) for k, r in _of(template, "AWS::IAM::Role").items() if r["Properties"]["RoleName"] == name
    ]
    return found


def _statements(template: dict[str, Any], logical_id: str) -> list[dict[str, Any]]:
    return [
        s
        for p in _of(template, "AWS::IAM::Policy").values()
        if {"Ref": logical_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
    ]


def test_github_is_the_only_federated_identity_and_no_user_or_key_exists(template: dict[str, Any]) -> None:
    (provider,) = _of(template, "AWS::IAM::OIDCProvider").values()
    assert provider["Properties"]["Url"] == f"https://{HOST}"
    assert provider["Properties"]["ClientIdList"] == ["sts.amazonaws.com"]
    assert not _of(template, "AWS::IAM::User") and not _of(template, "AWS::IAM::AccessKey")


@pytest.mark.parametrize("env", ["dev", "staging", "prod"])
def test_each_deploy_role_trusts_only_this_repository_in_its_github_environment(
    template: dict[str, Any], env: str
) -> None:
    _, role = _role(template, f"ConcertDeploy-{env}")
    (trust,) = role["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert trust["Condition"] == {
        "StringEquals": {f"{HOST}:aud": "sts.amazonaws.com", f"{HOST}:sub": f"repo:{REPO}:environment:{env}"}
    }, "an exact subject: no StringLike, no wildcard, no other branch or repository"
    assert role["Properties"]["MaxSessionDuration"] == 3600
    _, diff = _role(template, f"ConcertDiff-{env}")
    (trust,) = diff["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"]["StringEquals"][f"{HOST}:sub"] == f"repo:{REPO}:pull_request"


def test_no_role_for_the_local_environment(template: dict[str, Any]) -> None:
    names = {r["Properties"]["RoleName"] for r in _of(template, "AWS::IAM::Role").values()}
    assert names == {f"Concert{k}-{e}" for k in ("Deploy", "Diff") for e in ("dev", "staging", "prod")}


def test_roles_name_their_own_environments_resources_and_the_default_is_denied_the_others(
    template: dict[str, Any],
) -> None:
    text = {
        env: json.dumps(_statements(template, _role(template, f"ConcertDeploy-{env}")[0]))
        for env in ("dev", "staging")
    }
    assert "stream/concert-staging-events" in text["staging"] and "concert-events" not in text["staging"]
    assert "stream/concert-events" in text["dev"] and "concert-staging-events" not in text["dev"]
    dev = _statements(template, _role(template, "ConcertDeploy-dev")[0])
    denies = [s for s in dev if s["Effect"] == "Deny"]
    assert denies, "ConcertDataPlatform-* would reach ConcertDataPlatform-staging-*: denied"
    denied = json.dumps(denies)
    for other in ("staging", "prod"):
        assert f"concertdataplatform-{other}-*" in denied and f"role/ConcertDataPlatform-{other}-*" in denied
    for statement in dev + _statements(template, _role(template, "ConcertDiff-prod")[0]):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(not a.endswith(":*") for a in actions) or statement["Effect"] == "Deny", actions


def test_the_repository_must_be_given_and_well_formed(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="github_repository"):
        build_bootstrap(tmp_path, {})
    with pytest.raises(ValueError, match="OWNER/REPO"):
        build_bootstrap(tmp_path, {"github_repository": "acme/*"})
    with pytest.raises(ValueError, match="not defined"):
        build_bootstrap(tmp_path, {"github_repository": REPO, "environments": "dev,qa"})
