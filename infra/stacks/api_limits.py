"""Throttling of every HTTP and WebSocket API: a stage limit for each, and route limits where one
route costs more than the others.

API Gateway answers 429 Too Many Requests past a limit (a token bucket: `rate` requests a second
refilled, `burst` at once); the account's own quota is 10,000/s with a burst of 5,000 across all
APIs of a region, so without stage limits one busy client could take it from every other API.
The defaults follow the system this platform implements (500 requests/s, burst 1,000). The chat
is lower: each question starts a workflow that asks the warehouse and may call a language model.
The WebSocket `$connect` is lower too: every connect runs the authorizer and writes a
connection, and a reconnect storm (after a deploy) must not starve the messages of open ones.

Each environment sets its limits in infra/environments.toml (`[defaults.throttle]`, the values
of `DEFAULTS`); one synthesis can change one: `-c <key>_throttle=RATE/BURST` (for example
`-c chat_api_throttle=100/200`); keys are those of `DEFAULTS`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aws_cdk import aws_apigatewayv2 as apigw
from constructs import Construct

from infra.environments import resolve_settings
from infra.names import DEFAULT_LOCAL_ENVIRONMENT
from infra.stacks.environment import settings_of


@dataclass(frozen=True)
class Limit:
    """A token bucket: `rate` requests a second on average, `burst` at once."""

    rate: float
    burst: int

    def settings(self) -> apigw.CfnStage.RouteSettingsProperty:
        """The stage's or a route's throttling settings."""
        return apigw.CfnStage.RouteSettingsProperty(
            throttling_rate_limit=self.rate, throttling_burst_limit=self.burst
        )


# The default environment's limits (infra/environments.toml `[defaults.throttle]`), by key.
DEFAULTS: dict[str, Limit] = {
    key: Limit(value.rate, value.burst) for key, value in resolve_settings(DEFAULT_LOCAL_ENVIRONMENT).throttle
}
_FORMAT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*/\s*(\d+)\s*$")


def parse_limit(text: str, key: str) -> Limit:
    """`RATE/BURST` as a Limit; ValueError naming the context key when it is not one."""
    match = _FORMAT.match(text)
    if not match or float(match[1]) <= 0 or int(match[2]) < 1:
        raise ValueError(
            f"context {key}_throttle={text!r}: expected RATE/BURST with RATE > 0 and BURST >= 1, "
            "for example 500/1000"
        )
    return Limit(float(match[1]), int(match[2]))


def limit(scope: Construct, key: str) -> Limit:
    """The limit `key` has in this synthesis: the context's `<key>_throttle`, else the
    environment's (infra/environments.toml)."""
    if key not in DEFAULTS:
        raise KeyError(f"no API limit named {key!r}; known: {', '.join(DEFAULTS)}")
    value = scope.node.try_get_context(f"{key}_throttle")
    if value is not None:
        return parse_limit(str(value), key)
    configured = getattr(settings_of(scope).throttle, key)
    return Limit(configured.rate, configured.burst)


def throttle(stage: apigw.CfnStage, default: Limit, routes: dict[str, Limit] | None = None) -> None:
    """Apply `default` to every route of the stage and `routes` (route key -> limit) on top."""
    stage.default_route_settings = default.settings()
    if routes:
        stage.route_settings = {
            key: {"ThrottlingRateLimit": lim.rate, "ThrottlingBurstLimit": lim.burst}
            for key, lim in routes.items()
        }


def throttle_http_api(scope: Construct, api: apigw.HttpApi, key: str) -> Limit:
    """Throttle an HTTP API's default stage with the limit named `key`; returns it."""
    stage = api.default_stage
    assert stage is not None
    cfn_stage = stage.node.default_child
    assert isinstance(cfn_stage, apigw.CfnStage)
    lim = limit(scope, key)
    throttle(cfn_stage, lim)
    return lim
