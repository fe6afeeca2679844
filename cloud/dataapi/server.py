"""The HTTP side of the local Data API: the `RedshiftData.*` JSON 1.1 protocol boto3 speaks.

Run as `python -m cloud.dataapi.server --port P --db FILE`; point boto3 at it with
`AWS_ENDPOINT_URL_REDSHIFT_DATA=http://localhost:P`. `GET /health` answers when ready.
SIGTERM finishes queued statements and closes the DuckDB file. Limits come from
CONCERT_DATAAPI_* (`settings`); the Data API's `DbUser` says whose policy a statement runs under.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cloud.clients import client
from cloud.dataapi.engine import Engine, NotFound
from cloud.dataapi.settings import EndpointSettings
from cloud.dataapi.translate import SqlError

TARGET_PREFIX = "RedshiftData."


class ApiError(Exception):
    """An error answered as `{"__type", "message"}` with HTTP 400."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def _params(body: dict[str, Any]) -> dict[str, str]:
    return {p["name"]: str(p["value"]) for p in body.get("Parameters") or []}


def dispatch(engine: Engine, op: str, body: dict[str, Any]) -> dict[str, Any]:
    """Run one API operation."""
    try:
        if op in ("ExecuteStatement", "BatchExecuteStatement"):
            if not body.get("Database"):
                raise ApiError("ValidationException", "Database is required")
            sqls = [body.get("Sql", "")] if op == "ExecuteStatement" else list(body.get("Sqls") or [])
            st = engine.submit(
                sqls,
                params=_params(body),
                database=body["Database"],
                workgroup=body.get("WorkgroupName"),
                name=body.get("StatementName"),
                is_batch=op == "BatchExecuteStatement",
                db_user=body.get("DbUser"),
                result_format=body.get("ResultFormat") or "JSON",
            )
            out: dict[str, Any] = {
                "Id": st.id,
                "CreatedAt": st.created_at.timestamp(),
                "Database": st.database,
            }
            if st.workgroup:
                out["WorkgroupName"] = st.workgroup
            if st.db_user:
                out["DbUser"] = st.db_user
            return out
        if op == "DescribeStatement":
            return engine.describe(body["Id"])
        if op in ("GetStatementResult", "GetStatementResultV2"):
            return engine.result_page(body["Id"], body.get("NextToken"), v2=op.endswith("V2"))
        if op == "ListStatements":
            return engine.list(
                body.get("Status"),
                body.get("StatementName"),
                int(body.get("MaxResults", 100)),
                body.get("NextToken"),
            )
        if op == "CancelStatement":
            return {"Status": engine.cancel(body["Id"])}
    except NotFound as err:
        raise ApiError("ResourceNotFoundException", f"Query does not exist: {err.args[0]}") from None
    except SqlError as err:
        raise ApiError("ValidationException", str(err)) from None
    except KeyError as err:
        raise ApiError("ValidationException", f"missing parameter {err.args[0]}") from None
    raise ApiError("UnknownOperationException", f"operation {op} is not supported by the local endpoint")


def make_server(engine: Engine, host: str, port: int) -> ThreadingHTTPServer:
    """An HTTP server answering the Data API on host:port."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in two writes: with Nagle's algorithm the body waits for the
        # client's delayed ACK, 40 ms on every request of a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, *args: Any) -> None:
            return

        def _send(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", "local")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send(200 if self.path == "/health" else 404, {"status": "ok"})

        def do_POST(self) -> None:
            target = self.headers.get("X-Amz-Target", "")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not target.startswith(TARGET_PREFIX):
                    raise ApiError("UnknownOperationException", f"unknown target {target!r}")
                self._send(200, dispatch(engine, target[len(TARGET_PREFIX) :], body))
            except ApiError as err:
                self._send(400, {"__type": err.kind, "message": str(err)})
            except (ValueError, TypeError) as err:
                self._send(400, {"__type": "ValidationException", "message": f"bad request: {err}"})

    return ThreadingHTTPServer((host, port), Handler)


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(description="Local Redshift Data API endpoint over DuckDB")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--db", required=True, help="DuckDB file")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)
    engine = Engine(args.db, lambda: client("s3"), EndpointSettings())
    server = make_server(engine, args.host, args.port)
    stop = threading.Event()

    def shutdown(*_: object) -> None:
        if not stop.is_set():
            stop.set()
            threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    print(f"data api listening on http://{args.host}:{args.port} ({args.db})", file=sys.stderr, flush=True)
    server.serve_forever()
    server.server_close()
    engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
