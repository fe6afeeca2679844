"""The local cloud: ministack run as a managed subprocess with its state under the data directory.

`start()` reuses a healthy instance already on the port (a second `concert up` does not
start another); otherwise it spawns one, waits for its health endpoint and records its pid.
`stop()` sends SIGTERM, on which ministack saves its state, so the next start resumes it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 4566
HEALTH_PATH = "/_ministack/health"
LOCAL_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",  # ministack accepts any key; not a secret
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_REGION": "us-east-1",
}


class LocalCloudError(RuntimeError):
    """The local cloud could not be started or stopped; the message says why in one line."""


@dataclass(frozen=True)
class LocalCloud:
    """Where one ministack instance lives: its port and its directories."""

    data_dir: Path
    port: int = DEFAULT_PORT

    @property
    def endpoint_url(self) -> str:
        """The single endpoint every AWS service is served on."""
        return f"http://localhost:{self.port}"

    @property
    def pid_file(self) -> Path:
        """Where the pid of the instance we started is kept."""
        return self.data_dir / f"ministack-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        """ministack's stdout and stderr."""
        return self.data_dir / f"ministack-{self.port}.log"

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

    def running_pid(self) -> int | None:
        """The pid from our pid file if that process is alive, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def start(self, *, wait_s: float = 60.0) -> bool:
        """Start ministack unless a healthy one is on the port; return True if this call started it."""
        if self.healthy():
            return False
        state_dir = self.data_dir / "ministack-state"
        s3_dir = self.data_dir / "ministack-s3"
        for d in (self.data_dir, state_dir, s3_dir):
            d.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "GATEWAY_PORT": str(self.port),
            "PERSIST_STATE": "1",
            "STATE_DIR": str(state_dir),
            "S3_PERSIST": "1",
            "S3_DATA_DIR": str(s3_dir),
            "LOG_LEVEL": os.environ.get("MINISTACK_LOG_LEVEL", "WARNING"),
            **LOCAL_CREDENTIALS,
        }
        env.pop("AWS_ENDPOINT_URL", None)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "ministack"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LocalCloudError(
                    f"ministack exited with code {proc.returncode}; see {self.log_file}: " + self._log_tail()
                )
            if self.healthy():
                return True
            time.sleep(0.1)
        proc.terminate()
        raise LocalCloudError(
            f"ministack not healthy on port {self.port} after {wait_s:.0f}s; see {self.log_file}"
        )

    def stop(self, *, wait_s: float = 30.0) -> bool:
        """Stop the instance we started (state is saved on SIGTERM); return True if one was stopped."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                break
            _reap(pid)
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _log_tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
