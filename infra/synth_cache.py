"""The synthesis cache: the CDK app is synthesized into build/ only when its inputs changed.

Synthesis takes ~14 s; `concert deploy`, `make security` and the tests ask for the template
often and get the cached one while nothing it depends on (the CDK app, the Lambda code, the
state machines, cdk.json, the context) has changed.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from infra import names
from infra.bundle import ROOT

BUILD_DIR = ROOT / "build"
CDK_OUT = BUILD_DIR / "cdk.out"
_SYNTH_INPUTS = ("infra", "functions", "schemas", "producers", "consumers", "state_machines", "ml", "chat")


def synth_fingerprint(context: dict[str, str]) -> str:
    """Hash of everything synthesis depends on: the CDK app, the Lambda code, cdk.json and context."""
    h = hashlib.sha256(repr(sorted(context.items())).encode())
    for top in _SYNTH_INPUTS:
        for f in sorted((ROOT / top).rglob("*")):
            if f.is_file() and "__pycache__" not in f.parts and f.suffix in {".py", ".json", ".asl", ".toml"}:
                h.update(str(f.relative_to(ROOT)).encode())
                h.update(f.read_bytes())
    cdk_json = ROOT / "cdk.json"
    if cdk_json.exists():
        h.update(cdk_json.read_bytes())
    return h.hexdigest()


def synthesize_cached(*, for_aws: bool, context: dict[str, str] | None = None) -> tuple[Path, bool]:
    """Synthesize into build/cdk.out unless its inputs are unchanged; return (out dir, synthesized?).

    The context's `env` (default: the target's) chooses the environment; an environment other
    than the default synthesizes into its own directory (`build/cdk.out.<env>`)."""
    from infra.app import synthesize

    default = names.default_environment("aws" if for_aws else "local")
    context = {**(context or {}), "env": (context or {}).get("env") or default}
    env = context["env"]
    out = CDK_OUT if not for_aws else BUILD_DIR / "cdk.out.aws"
    if env != default:
        out = out.with_name(f"{out.name}.{env}")
    stamp = out / ".fingerprint"
    fp = synth_fingerprint({**context, "for_aws": str(for_aws)})
    stack = names.names_for(env).stack
    if stamp.exists() and stamp.read_text() == fp and (out / f"{stack}.template.json").exists():
        return out, False
    synthesize(out, for_aws=for_aws, context=context)
    stamp.write_text(fp)
    return out, True
