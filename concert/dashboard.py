"""The dashboard from the CLI: its URLs from the stack outputs, session tokens signed with
the key in Secrets Manager, and (locally) the web server process on port + 2."""

from __future__ import annotations

import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from concert.aws import client
from concert.process import ManagedProcess
from concert.settings import ROOT
from functions.dashboard.tokens import mint

DIST = ROOT / "web" / "dist"


class DashboardError(RuntimeError):
    """The dashboard cannot be served (the message says what to do)."""


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


def session_token(outputs: dict[str, str], *, hours: float, subject: str = "cli") -> str:
    """A dashboard session token valid for `hours`."""
    secret = client("secretsmanager").get_secret_value(SecretId=outputs["DashboardSigningSecretArn"])
    return mint(
        str(secret["SecretString"]).encode(),
        subject=subject,
        scope="api",
        ttl_s=int(hours * 3600),
        now=time.time(),
    )


# Requests a page sends at once: the live channel's ticket with the page's own first call, the
# Predictions page's three (its pickers, its venues, its models). A function the emulator has not
# started yet costs a cold start (~0.5 s idle, 2-5 s while a stream keeps both cores busy).
FIRST_VIEW_REQUESTS = 4


def warm_api(base: str, token: str, *, requests: int = FIRST_VIEW_REQUESTS, timeout_s: float = 60.0) -> int:
    """Call the dashboard API's `/health` through `base` (the web server) `requests` times at once,
    so that many warm functions serve the first views; how many answered 200."""
    answered: list[bool] = []

    def call() -> None:
        req = urllib.request.Request(  # noqa: S310 (the local web server's http URL)
            f"{base.rstrip('/')}/api/health", headers={"Authorization": f"Bearer {token}"}
        )
        try:
            with urllib.request.urlopen(req, timeout=timeout_s) as resp:  # noqa: S310 (the local web server)
                answered.append(resp.status == 200)
        except (OSError, urllib.error.URLError):
            answered.append(False)

    threads = [threading.Thread(target=call, daemon=True) for _ in range(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout_s)
    return sum(answered)


@dataclass(frozen=True)
class WebServer:
    """The local web server at `port`, with its pid and log under `data_dir`."""

    data_dir: Path
    port: int

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
        if not (DIST / "index.html").is_file():
            raise DashboardError(f"the web app is not built ({DIST} is missing): run `make web`")
        argv = [
            sys.executable, "-m", "concert.web_server", "--port", str(self.port), "--dist", str(DIST),
            "--api", local_execute_api(outputs["DashboardApiUrl"], endpoint),
            "--ws", local_execute_api(outputs["DashboardWebSocketUrl"], endpoint),
        ]  # fmt: skip
        self.process.spawn(argv, dict(os.environ), self.healthy, wait_s=20)
        return True

    def stop(self) -> bool:
        """Stop the server we started."""
        return self.process.stop()
