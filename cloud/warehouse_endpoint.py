"""The local warehouse: the Data API endpoint process that owns the DuckDB file.

Only this process opens the file read-write; everything else goes through the Redshift Data
API (`AWS_ENDPOINT_URL_REDSHIFT_DATA`), exactly as on AWS.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cloud.managed_process import ManagedProcess, Progress


@dataclass(frozen=True)
class WarehouseEndpoint:
    """The endpoint at `port`, with its database and logs under `data_dir`."""

    data_dir: Path
    port: int

    @property
    def process(self) -> ManagedProcess:
        """Pid and log files of the endpoint process."""
        return ManagedProcess("dataapi", self.data_dir, self.port)

    @property
    def url(self) -> str:
        """Where boto3's `redshift-data` client must point."""
        return f"http://localhost:{self.port}"

    @property
    def database_file(self) -> Path:
        """The DuckDB file."""
        return self.data_dir / "warehouse.duckdb"

    def env(self) -> dict[str, str]:
        """The variable that points the Data API client here."""
        return {"AWS_ENDPOINT_URL_REDSHIFT_DATA": self.url}

    def healthy(self, timeout: float = 1.0) -> bool:
        """True when the endpoint answers /health."""
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=timeout) as resp:  # noqa: S310
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def start(
        self, cloud_env: dict[str, str], *, wait_s: float = 120.0, progress: Progress | None = None
    ) -> bool:
        """Start the endpoint (S3 reads go to `cloud_env`'s endpoint) unless ours runs or one
        answers (then wait up to `wait_s` for it); True if this call started it."""
        env = {**os.environ, **cloud_env}
        argv = [
            sys.executable,
            "-m",
            "cloud.dataapi.server",
            "--port",
            str(self.port),
            "--db",
            str(self.database_file),
        ]
        return self.process.ensure(
            argv,
            env,
            self.healthy,
            wait_s=wait_s,
            patient_healthy=lambda: self.healthy(timeout=10.0),
            progress=progress,
        )

    def stop(self) -> bool:
        """Stop the endpoint we started (queued statements finish, the file is closed)."""
        return self.process.stop()
