"""The dashboard's local web server: the built app (web/dist), `/config.json` naming the
APIs, and `/api/*` passed through to the dashboard HTTP API in the local cloud (same origin,
so the browser needs no CORS and no `*.execute-api.localhost` name resolution). On AWS the
app is served by CloudFront and calls the API directly (CORS allows the CloudFront origin).

Run by `concert up` / `concert dashboard` as `python -m cloud.web_server_main ...`.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import mimetypes
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FORWARDED_HEADERS = ("authorization", "content-type", "accept")
MAX_BODY = 1 << 20
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml")


@functools.lru_cache(maxsize=64)
def _gzipped(path: Path, mtime_ns: int) -> bytes:
    """A file's gzip body, made once per version of the file (the chart library is ~590 kB)."""
    return gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)


def make_handler(dist: Path, api_url: str, ws_url: str) -> type[BaseHTTPRequestHandler]:
    """A request handler serving `dist`, the config and the API pass-through."""
    root = dist.resolve()
    config = json.dumps({"apiUrl": "/api", "wsUrl": ws_url}).encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
        # client's delayed ACK, 40 ms on every request of a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, fmt: str, *args: object) -> None:  # quiet: errors only
            return

        def _send(
            self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            for k, v in (extra or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _static(self) -> None:
            path = self.path.split("?", 1)[0].split("#", 1)[0]
            if path == "/config.json":
                self._send(200, config, "application/json", {"Cache-Control": "no-store"})
                return
            if path == "/health":
                self._send(200, b'{"ok":true}', "application/json")
                return
            target = (root / path.lstrip("/")).resolve()
            if not target.is_relative_to(root) or not target.is_file():
                target = root / "index.html"  # the app routes in the browser
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            cache = "no-cache" if target.name == "index.html" else "public, max-age=31536000, immutable"
            headers = {"Cache-Control": cache, "Vary": "Accept-Encoding"}
            accepts = "gzip" in self.headers.get("Accept-Encoding", "")
            if accepts and ctype.startswith(COMPRESSED) and target.stat().st_size > 1024:
                body = _gzipped(target, target.stat().st_mtime_ns)
                self._send(200, body, ctype, {**headers, "Content-Encoding": "gzip"})
                return
            self._send(200, target.read_bytes(), ctype, headers)

        def _proxy(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(413, b'{"message":"body too large"}', "application/json")
                return
            body = self.rfile.read(length) if length else None
            url = api_url.rstrip("/") + self.path[len("/api") :]
            headers = {k: v for k, v in self.headers.items() if k.lower() in FORWARDED_HEADERS}
            req = urllib.request.Request(url, data=body, headers=headers, method=self.command)  # noqa: S310 (local API)
            try:
                with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                    self._send(resp.status, resp.read(), resp.headers.get("Content-Type", "application/json"))
            except urllib.error.HTTPError as exc:
                self._send(exc.code, exc.read(), exc.headers.get("Content-Type", "application/json"))
            except (OSError, urllib.error.URLError) as exc:
                msg = json.dumps({"message": f"the local cloud did not answer: {exc}"}).encode()
                self._send(502, msg, "application/json")

        def do_GET(self) -> None:
            if self.path.startswith("/api/"):
                self._proxy()
            else:
                self._static()

        def do_HEAD(self) -> None:
            self._static()

        def do_POST(self) -> None:
            if self.path.startswith("/api/"):
                self._proxy()
            else:
                self._send(405, b'{"message":"method not allowed"}', "application/json")

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve until killed."""
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--dist", type=Path, required=True)
    p.add_argument("--api", required=True, help="the dashboard HTTP API's base URL")
    p.add_argument("--ws", required=True, help="the WebSocket URL the browser connects to")
    a = p.parse_args(argv)
    server = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(a.dist, a.api, a.ws))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
