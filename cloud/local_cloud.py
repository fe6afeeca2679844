"""The local cloud: ministack run as a managed subprocess with its state under the data directory.

`start()` follows the rule of `cloud.managed_process`: ours running (pid file, live, on the port) is
waited for however busy and never doubled; else it spawns one, waits for its health endpoint.
`stop()` sends SIGTERM, on which ministack saves its state, so the next start resumes it.
Its Lambda workers unpack their code into a scratch directory of its own under the data
directory (`ministack-tmp`), emptied when it starts and stops: ministack keeps one directory per
warm worker and removes none when it is stopped, which left gigabytes in /tmp across runs.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cloud.local_scratch import SCRATCH_ENV
from cloud.managed_process import ManagedProcess, Progress, ServiceError

DEFAULT_PORT = 4566
HEALTH_PATH = "/_ministack/health"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",  # ministack accepts any key; not a secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}
# A busy emulator answers its health check late: the patient check while waiting for ours.
BUSY_HEALTH_TIMEOUT_S = 10.0


class LocalCloudError(RuntimeError):
    """The local cloud could not be started or stopped; the message says why in one line."""


@dataclass(frozen=True)
class LocalCloud:
    """Where one ministack instance lives: its port and its directories."""

    data_dir: Path
    port: int = DEFAULT_PORT
    # The Data API endpoint the Lambda functions it runs should use (they inherit its environment).
    warehouse_url: str | None = None

    @property
    def endpoint_url(self) -> str:
        """The single endpoint every AWS service is served on."""
        return f"http://localhost:{self.port}"

    def env(self) -> dict[str, str]:
        """Variables that point boto3 (and child processes) at this instance."""
        return {"AWS_ENDPOINT_URL": self.endpoint_url, **LOCAL_CREDENTIALS}

    def healthy(self, timeout: float = 1.0) -> bool:
        """True when ministack answers its health endpoint on the port."""
        try:
            with urllib.request.urlopen(self.endpoint_url + HEALTH_PATH, timeout=timeout) as resp:  # noqa: S310
                body = json.loads(resp.read() or b"{}")
                return resp.status == 200 and "services" in body
        except (OSError, urllib.error.URLError, ValueError):
            return False

    @property
    def scratch_dir(self) -> Path:
        """The local cloud's temporary directory (its `TMPDIR`): its own, emptied at start and stop."""
        return self.data_dir / "ministack-tmp"

    @property
    def process(self) -> ManagedProcess:
        """The ministack process's pid and log files."""
        return ManagedProcess("ministack", self.data_dir, self.port)

    @property
    def pid_file(self) -> Path:
        """Where the pid of the instance we started is kept."""
        return self.process.pid_file

    @property
    def log_file(self) -> Path:
        """ministack's stdout and stderr."""
        return self.process.log_file

    def running_pid(self) -> int | None:
        """The pid of the instance we started, if it is alive."""
        return self.process.running_pid()

    def start(self, *, wait_s: float = 120.0, progress: Progress | None = None) -> bool:
        """Start ministack unless ours runs or a healthy one is on the port (then wait up to
        `wait_s` for it to answer); return True if this call started it."""
        state_dir = self.data_dir / "ministack-state"
        s3_dir = self.data_dir / "ministack-s3"
        for d in (state_dir, s3_dir, self.scratch_dir):
            d.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "GATEWAY_PORT": str(self.port),
            "PERSIST_STATE": "1",
            "STATE_DIR": str(state_dir),
            "S3_PERSIST": "1",
            "S3_DATA_DIR": str(s3_dir),
            "LOG_LEVEL": os.environ.get("MINISTACK_LOG_LEVEL", "WARNING"),
            "TMPDIR": str(self.scratch_dir),
            SCRATCH_ENV: str(self.scratch_dir),
            **LOCAL_CREDENTIALS,
        }
        env.pop("AWS_ENDPOINT_URL", None)
        if self.warehouse_url:
            env["AWS_ENDPOINT_URL_REDSHIFT_DATA"] = self.warehouse_url
        try:
            return self.process.ensure(
                [sys.executable, "-m", "cloud.local_cloud_main"],
                env,
                self.healthy,
                wait_s=wait_s,
                patient_healthy=lambda: self.healthy(timeout=BUSY_HEALTH_TIMEOUT_S),
                progress=progress,
            )
        except ServiceError as err:
            raise LocalCloudError(str(err)) from None

    def stop(self, *, wait_s: float = 30.0) -> bool:
        """Stop the instance we started (state is saved on SIGTERM); return True if one was stopped."""
        return self.process.stop(wait_s=wait_s)
