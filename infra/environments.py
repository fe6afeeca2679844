"""Per-environment settings (infra/environments.toml), validated with pydantic at synthesis.

`resolve_settings(env, overrides)` reads the environment's table over `[defaults]`, applies the
synthesis context's overrides (`-c shards=4`, `-c chat_api_throttle=100/200`,
`-c alarm_iterator_age_ms=30000`) and validates the result; a bad value or an unknown
environment raises EnvironmentSettingsError naming the environment and the field.
"""

from __future__ import annotations

import json
import re
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from infra.names import DEFAULT_ENVIRONMENTS, EnvironmentNameError, validate_environment

SETTINGS_FILE = Path(__file__).with_name("environments.toml")
THROTTLE_SUFFIX = "_throttle"
ALARM_PREFIX = "alarm_"
_LIMIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_/-]+$")
THROTTLE_KEYS = ("dashboard_api", "predictions_api", "chat_api", "websocket_api", "websocket_connect")


class EnvironmentSettingsError(ValueError):
    """The settings of an environment are missing or invalid."""


class Throttle(BaseModel):
    """A token bucket: `rate` requests a second on average, `burst` at once."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rate: float = Field(gt=0)
    burst: int = Field(ge=1)

    @classmethod
    def parse(cls, value: object) -> object:
        """`RATE/BURST` text as a Throttle's fields; anything else unchanged for pydantic."""
        if isinstance(value, str):
            match = _LIMIT.match(value)
            if not match:
                raise ValueError(f"expected RATE/BURST, for example 500/1000, got {value!r}")
            return {"rate": float(match[1]), "burst": int(match[2])}
        return value

    def text(self) -> str:
        """As `RATE/BURST`."""
        return f"{self.rate:g}/{self.burst}"


class Throttles(BaseModel):
    """API Gateway limits of every API (infra/stacks/api_limits.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dashboard_api: Throttle
    predictions_api: Throttle
    chat_api: Throttle
    websocket_api: Throttle
    websocket_connect: Throttle

    @field_validator("*", mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        return Throttle.parse(value)


class Alarms(BaseModel):
    """Alarm thresholds: an alarm fires above its threshold."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    iterator_age_ms: int = Field(ge=1000)
    dead_letters: int = Field(ge=0)
    failed_executions: int = Field(ge=0)
    function_errors: int = Field(ge=0)
    function_throttles: int = Field(ge=0)


RoleArn = Annotated[str, Field(pattern=_ROLE_ARN.pattern)]


class EnvironmentSettings(BaseModel):
    """What may differ between environments (every field is required: the file's [defaults]
    and the environment's table together must give them all)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    shards: int = Field(ge=1, le=500)
    on_demand: bool
    retain_data: bool
    stream_retention_hours: int = Field(ge=24, le=8760)
    redshift_base_capacity: int = Field(ge=8, le=1024, multiple_of=8)
    load_max_wait_s: int = Field(ge=0, le=3600)
    load_min_rows: int = Field(ge=1)
    load_max_batches: int = Field(ge=1, le=10_000)
    compact_min_files: int = Field(ge=2)
    dashboard_link_minters: tuple[RoleArn, ...]
    alarms: Alarms
    throttle: Throttles


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """`top` over `base`, nested tables merged key by key."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise EnvironmentSettingsError(f"{path}: {exc}") from exc
    unknown = set(data) - {"defaults", "environments"}
    if unknown:
        raise EnvironmentSettingsError(
            f"{path}: unknown tables {sorted(unknown)}; want defaults, environments"
        )
    return data


def environments(path: Path = SETTINGS_FILE) -> list[str]:
    """The environments the settings file defines, each a valid environment name."""
    envs = list(_read(path).get("environments", {}))
    for env in envs:
        try:
            validate_environment(env)
        except EnvironmentNameError as exc:
            raise EnvironmentSettingsError(f"{path}: {exc}") from exc
    # A name that extends another (`staging` and `staging-x`) would make `concert-staging-*`
    # reach the other's resources: refuse it.
    for a in envs:
        for b in envs:
            if a not in DEFAULT_ENVIRONMENTS and b.startswith(f"{a}-"):  # defaults' names carry no env
                raise EnvironmentSettingsError(
                    f"{path}: environment {b!r} begins with {a!r}-: names would overlap; rename one"
                )
    return envs


def overrides_from_context(context: dict[str, Any]) -> dict[str, Any]:
    """The settings a synthesis context overrides, as nested settings keys."""
    scalar = set(EnvironmentSettings.model_fields) - {"alarms", "throttle"}
    out: dict[str, Any] = {}
    for key, value in context.items():
        if value is None:
            continue
        if key in scalar:
            out[key] = (
                json.loads(value) if key == "dashboard_link_minters" and isinstance(value, str) else value
            )
        elif key.endswith(THROTTLE_SUFFIX) and key.removesuffix(THROTTLE_SUFFIX) in THROTTLE_KEYS:
            out.setdefault("throttle", {})[key.removesuffix(THROTTLE_SUFFIX)] = value
        elif key.startswith(ALARM_PREFIX) and key.removeprefix(ALARM_PREFIX) in Alarms.model_fields:
            out.setdefault("alarms", {})[key.removeprefix(ALARM_PREFIX)] = value
    return out


def context_keys() -> list[str]:
    """Every context key that overrides a setting."""
    scalar = sorted(set(EnvironmentSettings.model_fields) - {"alarms", "throttle"})
    return [
        *scalar,
        *(f"{k}{THROTTLE_SUFFIX}" for k in THROTTLE_KEYS),
        *(f"{ALARM_PREFIX}{k}" for k in Alarms.model_fields),
    ]


def resolve_settings(
    environment: str, overrides: dict[str, Any] | None = None, *, path: Path = SETTINGS_FILE
) -> EnvironmentSettings:
    """The validated settings of `environment`: the file's defaults, its table, then `overrides`
    (context keys as given to `-c`)."""
    return _resolve(environment, json.dumps(overrides or {}, sort_keys=True, default=str), path)


@lru_cache(maxsize=64)
def _resolve(environment: str, overrides_json: str, path: Path) -> EnvironmentSettings:
    data = _read(path)
    known = environments(path)
    if environment not in known:
        raise EnvironmentSettingsError(
            f"environment {environment!r} is not defined in {path.name}; defined: {', '.join(known)} "
            "(add an [environments.NAME] table to add one)"
        )
    raw = _merge(data.get("defaults", {}), data["environments"][environment] or {})
    raw = _merge(raw, overrides_from_context(json.loads(overrides_json)))
    try:
        return EnvironmentSettings.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(settings)'}: {e['msg']} (got {e.get('input')!r})"
            for e in exc.errors()
        )
        raise EnvironmentSettingsError(f"environment {environment!r}: {problems}") from exc
