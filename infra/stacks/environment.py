"""The environment a synthesis is for (`-c env=NAME`), its names and its settings."""

from __future__ import annotations

from constructs import Construct

from infra.environments import EnvironmentSettings, context_keys, resolve_settings
from infra.names import DEFAULT_LOCAL_ENVIRONMENT, Names, names_for

ENV_CONTEXT_KEY = "env"


def environment_of(scope: Construct) -> str:
    """The synthesis context's `env` (the app sets it; `local` when it is absent)."""
    return str(scope.node.try_get_context(ENV_CONTEXT_KEY) or DEFAULT_LOCAL_ENVIRONMENT)


def names_of(scope: Construct) -> Names:
    """Every physical name of the environment being synthesized."""
    return names_for(environment_of(scope))


def settings_of(scope: Construct) -> EnvironmentSettings:
    """The environment's validated settings, with the context's overrides applied."""
    overrides = {k: v for k in context_keys() if (v := scope.node.try_get_context(k)) is not None}
    return resolve_settings(environment_of(scope), overrides)
