"""The dashboard's local web server (`cloud/web_server_main.py`) as a managed process: started
against the deployed APIs of the local cloud, health-checked, stopped."""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cloud.managed_process import ManagedProcess


class WebAppNotBuilt(RuntimeError):
    """The web app has no build to serve (the message says how to make it)."""


def local_execute_api(url: str, endpoint: str) -> str:
    """An execute-api URL of the local cloud in its path form (no `*.localhost` resolution needed)."""
    parts = urllib.parse.urlsplit(url)
    api_id = (parts.hostname or "").split(".", 1)[0]
    base = urllib.parse.urlsplit(endpoint)
    scheme = {"https": "http", "wss": "ws"}.get(parts.scheme, parts.scheme)
    if base.scheme == "https":
        scheme = {"http": "https", "ws": "wss"}[scheme]
    stage_path = parts.path.rstrip("/") or "/$default"
    return f"{scheme}://{base.netloc}/_aws/execute-api/{api_id}{stage_path}"


@dataclass(frozen=True)
class WebServer:
    """The local web server at `port` serving the built app in `dist`, with its pid and log
    under `data_dir`."""

    data_dir: Path
    port: int
    dist: Path

    @property
    def process(self) -> ManagedProcess:
        """Pid and log files."""
        return ManagedProcess("web", self.data_dir, self.port)

    @property
    def url(self) -> str:
        """Where the browser opens the app."""
        return f"http://localhost:{self.port}/"

    def healthy(self) -> bool:
        """True when the server answers /health."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health", timeout=1) as resp:
                return bool(resp.status == 200)
        except (OSError, urllib.error.URLError):
            return False

    def start(self, outputs: dict[str, str], endpoint: str) -> bool:
        """Serve the built app against the deployed APIs; False if one is already serving."""
        if self.healthy():
            return False
        if not (self.dist / "index.html").is_file():
            raise WebAppNotBuilt(f"the web app is not built ({self.dist} is missing): run `make web`")
        argv = [
            sys.executable, "-m", "cloud.web_server_main", "--port", str(self.port), "--dist", str(self.dist),
            "--api", local_execute_api(outputs["DashboardApiUrl"], endpoint),
            "--ws", local_execute_api(outputs["DashboardWebSocketUrl"], endpoint),
        ]  # fmt: skip
        self.process.spawn(argv, dict(os.environ), self.healthy, wait_s=20)
        return True

    def stop(self) -> bool:
        """Stop the server we started."""
        return self.process.stop()
