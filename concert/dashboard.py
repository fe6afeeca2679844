"""The dashboard from the CLI: where its built app lives, session tokens signed with the key in
Secrets Manager, and the API warmed before the first views (the local web server itself is
`cloud/web_server.py`)."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from cloud.clients import client
from concert.settings import ROOT
from functions.dashboard.tokens import mint

DIST = ROOT / "web" / "dist"


class DashboardError(RuntimeError):
    """The dashboard cannot be served (the message says what to do)."""


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
