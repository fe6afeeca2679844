"""The dashboard's token signing key, from Secrets Manager (cached for five minutes, so a
rotated key takes effect without a cold start)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Protocol


class Secrets(Protocol):
    """The one Secrets Manager call the key makes: the boto3 `secretsmanager` client
    (`SecretsManagerClient`) is one, and so is tests/fakes/secrets.py's `MemorySecrets`."""

    def get_secret_value(self, *, SecretId: str) -> Mapping[str, Any]:
        """The secret's current value (`SecretString`)."""
        ...


class SigningKey:
    """The key in secret `secret_id` (its SecretString, as bytes)."""

    def __init__(self, client: Secrets, secret_id: str, *, ttl_s: float = 300) -> None:
        self._client = client
        self._secret_id = secret_id
        self._ttl_s = ttl_s
        self._value: bytes | None = None
        self._read_at = 0.0

    def get(self) -> bytes:
        """The current key."""
        if self._value is None or time.monotonic() - self._read_at > self._ttl_s:
            secret = self._client.get_secret_value(SecretId=self._secret_id)
            self._value = str(secret["SecretString"]).encode()
            self._read_at = time.monotonic()
        return self._value
