"""An in-memory Secrets Manager: the one call the dashboard's signing key makes."""

from __future__ import annotations


class MemorySecrets:
    """Every secret's value is `value`; with `fail` set, reading raises as an unreachable
    service would."""

    def __init__(self, value: bytes) -> None:
        self.value = value
        self.fail = False

    def get_secret_value(self, SecretId: str) -> dict[str, str]:
        """The secret's string."""
        if self.fail:
            raise ConnectionError("secrets manager unreachable")
        return {"SecretString": self.value.decode()}
