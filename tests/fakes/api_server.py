"""A local HTTP server that replays recorded API responses, with scripted failures."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

RECORDED = Path(__file__).parent.parent / "fixtures" / "connectors"
Reply = tuple[int, dict[str, str], bytes]


class RecordedApi:
    """Serve `routes[path]`: a list of replies given in turn (the last one repeats).

    `__BASE__` in a recorded body is replaced by the server's own URL (for `next` links).
    Every request is recorded in `requests` as (method, path, query, headers).
    """

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, str, dict[str, list[str]], dict[str, str]]] = []
        self._served: dict[str, int] = defaultdict(int)
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def _reply(self, method: str) -> None:
                url = urlparse(self.path)
                if method == "POST":
                    self.rfile.read(int(self.headers.get("Content-Length", 0)))
                api.requests.append((method, url.path, parse_qs(url.query), dict(self.headers)))
                replies = api.routes.get(url.path) or [(404, {}, b'{"error": "not recorded"}')]
                i = min(api._served[url.path], len(replies) - 1)
                api._served[url.path] += 1
                status, headers, body = replies[i]
                body = body.replace(b"__BASE__", api.url.encode())
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                self._reply("GET")

            def do_POST(self) -> None:
                self._reply("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> RecordedApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, path: str, *replies: Reply | str) -> None:
        """Replies as (status, headers, body) or the name of a recorded file (200)."""
        self.routes[path] = [
            (200, {}, (RECORDED / r).read_bytes()) if isinstance(r, str) else r for r in replies
        ]

    def calls(self, path: str) -> list[dict[str, list[str]]]:
        return [q for _m, p, q, _h in self.requests if p == path]


def error(status: int, retry_after: str | None = None) -> Reply:
    """A recorded error reply."""
    headers = {"Retry-After": retry_after} if retry_after is not None else {}
    return status, headers, json.dumps({"error": {"status": status, "message": "recorded"}}).encode()
