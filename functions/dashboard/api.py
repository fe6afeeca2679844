"""The dashboard HTTP API (a Lambda authorizer checks the session token): what is not live.

- `POST /ticket`: a 60-second ticket for the WebSocket connect
- `GET /live`: the live state (the snapshot a WebSocket subscriber gets first)
- `GET /health`: the pipeline's health (`concert status`'s report)
- `GET /analytics?metric=&group=&from=&to=&city=&genre=&top=`, `GET /analytics/options`,
  `GET /analytics/panels?from=&to=&city=&genre=` (the Analytics page: choices and every panel),
  `GET /concerts/names?ids=1,2`
- `/models/...`: the predictions API's routes; `/chat/...`: the chat API's routes
- `GET /workflows`, `GET /workflows/{name}/executions`, `GET /executions/history?arn=`,
  `POST /workflows/{name}/start`, `POST /executions/redrive` (body `{"arn": ...}`)
"""

from __future__ import annotations

import json
import time
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError, NotFoundError

from consumers import pipeline_health
from consumers.step_functions import StepFunctions
from consumers.warehouse.client import DataApiWarehouse, WarehouseError
from consumers.warehouse.guard import Refused
from functions.chat.routes import router as chat_router
from functions.dashboard import analytics, wiring
from functions.dashboard.frames import snapshot_frame
from functions.dashboard.tokens import WS_TICKET_TTL_S, mint
from functions.ops import workflows
from functions.predictions.routes import router as models_router

logger = Logger(service="dashboard-api")
tracer = Tracer(service="dashboard-api")
app = APIGatewayHttpResolver()
app.include_router(models_router, prefix="/models")
app.include_router(chat_router, prefix="/chat")


def _warehouse() -> DataApiWarehouse:
    return wiring.api_parts().warehouse


def _machines() -> StepFunctions:
    return wiring.api_parts().sfn


def _params() -> dict[str, str]:
    return {k: str(v) for k, v in (app.current_event.query_string_parameters or {}).items()}


def _subject() -> str:
    context = app.current_event.request_context.authorizer.get_lambda or {}
    return str(context.get("subject") or "anonymous")


@app.post("/ticket")
def ticket() -> dict[str, Any]:
    """A short-lived ticket for the WebSocket connect, for the caller of this request."""
    now = time.time()
    return {
        "ticket": mint(
            wiring.api_parts().key.get(), subject=_subject(), scope="ws", ttl_s=WS_TICKET_TTL_S, now=now
        ),
        "expires_at": int(now) + WS_TICKET_TTL_S,
    }


@app.get("/live")
def live() -> dict[str, Any]:
    """The live state now."""
    parts = wiring.api_parts()
    images = parts.aggregates.current(
        minutes=parts.settings.snapshot_minutes, top=parts.settings.snapshot_top
    )
    return snapshot_frame(images, sent_ms=int(time.time() * 1000))


@app.get("/health")
def health() -> dict[str, Any]:
    """Dead letters, workflows, warehouse freshness and alarms."""
    p = wiring.api_parts()
    return pipeline_health.report(
        p.sqs, p.sfn, p.cloudwatch, p.warehouse, p.settings.pipeline_machines, p.settings.dead_letter_queues
    )


@app.get("/analytics")
def analytics_query() -> dict[str, Any]:
    """One analytics series or number."""
    try:
        sql, describes = analytics.statement(_params())
    except (analytics.BadRequest, ValueError, Refused) as exc:
        raise BadRequestError(str(exc)) from None
    return {
        "describes": describes,
        "sql": sql,
        "rows": json.loads(json.dumps(_warehouse().query(sql), default=str)),
    }


@app.get("/analytics/panels")
def analytics_panels() -> dict[str, Any]:
    """The Analytics page in one request: the filter choices and every panel under the filters
    (without dates, the 90 days ending on the newest sale), all statements run at once. One
    request, one warm function instead of seven cold ones, costs the slowest statement."""
    params = _params()
    try:
        newest = None
        if not params.get("from") and not params.get("to"):
            newest = _warehouse().query(analytics.options_sql()["range"])[0]["last"]
        filters = analytics.page_filters(params, None if newest is None else str(newest))
        statements = analytics.panel_statements(filters)
    except (analytics.BadRequest, ValueError, Refused) as exc:
        raise BadRequestError(str(exc)) from None
    options = analytics.options_sql()
    sqls = [*options.values(), *(sql for sql, _ in statements.values())]
    results = _warehouse().query_all(sqls)
    page = {
        "filters": filters,
        "options": _choices(results[: len(options)]),
        "panels": {
            name: {"describes": describes, "sql": sql, "rows": rows}
            for (name, (sql, describes)), rows in zip(
                statements.items(), results[len(options) :], strict=True
            )
        },
    }
    return dict(json.loads(json.dumps(page, default=str)))


@app.get("/concerts/names")
def concert_names() -> dict[str, Any]:
    """Names ("artist at venue") of the concerts `ids` (comma-separated), and the show each
    listing another source published is (`shows`: listing -> show, the Live page adds them up)."""
    try:
        sql = analytics.concert_names_sql(_params().get("ids", ""))
    except (analytics.BadRequest, Refused) as exc:
        raise BadRequestError(str(exc)) from None
    rows = _warehouse().query(sql)
    return {
        "names": {str(r["key"]): r["label"] for r in rows},
        "shows": {str(r["key"]): str(r["show"]) for r in rows if r["show"] != r["key"]},
    }


@app.get("/predictions/pickers")
def prediction_pickers() -> dict[str, Any]:
    """The concerts and customers the Predictions page offers to pick (the busiest of each)."""
    return {
        name: [{"key": int(r["key"]), "label": str(r["label"])} for r in _warehouse().query(sql)]
        for name, sql in analytics.pickers_sql().items()
    }


@app.get("/analytics/options")
def analytics_options() -> dict[str, Any]:
    """The filter choices."""
    options = analytics.options_sql()
    return dict(json.loads(json.dumps(_choices(_warehouse().query_all(list(options.values()))), default=str)))


def _choices(results: list[list[dict[str, Any]]]) -> dict[str, Any]:
    """The filter choices from the rows of `analytics.options_sql()`'s statements, in its order."""
    chosen = dict(zip(analytics.options_sql(), results, strict=True))
    return {
        "cities": [r["label"] for r in chosen["cities"]],
        "genres": [r["label"] for r in chosen["genres"]],
        "range": chosen["range"][0] if chosen["range"] else {"first": None, "last": None},
    }


def _sfn(call: Any) -> Any:
    try:
        return call()
    except workflows.WorkflowError as exc:
        raise NotFoundError(str(exc)) from None


@app.get("/workflows")
def workflows_list() -> dict[str, Any]:
    """The state machines."""
    return {"state_machines": workflows.state_machines(_machines())}


@app.get("/workflows/<name>/executions")
def workflow_executions(name: str) -> dict[str, Any]:
    """The newest executions of a state machine (optionally of one `status`)."""
    status = _params().get("status")
    try:
        limit = min(max(int(_params().get("limit") or 25), 1), 200)
    except ValueError:
        raise BadRequestError("limit must be an integer") from None
    return {"executions": _sfn(lambda: workflows.executions(_machines(), name, status=status, limit=limit))}


@app.get("/executions/recent")
def recent_executions() -> dict[str, Any]:
    """The newest executions of every workflow, the failed first."""
    try:
        limit = min(max(int(_params().get("limit") or 30), 1), 100)
    except ValueError:
        raise BadRequestError("limit must be an integer") from None
    return {"executions": _sfn(lambda: workflows.recent(_machines(), limit=limit))}


@app.get("/executions/history")
def execution_history() -> dict[str, Any]:
    """An execution's events."""
    arn = _params().get("arn", "")
    if not arn.startswith("arn:"):
        raise BadRequestError("arn is required (an execution ARN)")
    return {"execution": arn, "events": _sfn(lambda: workflows.history(_machines(), arn))}


def _body() -> dict[str, Any]:
    try:
        body = app.current_event.json_body if app.current_event.body else {}
    except (ValueError, TypeError):
        raise BadRequestError("the body must be JSON") from None
    if not isinstance(body, dict):
        raise BadRequestError("the body must be a JSON object")
    return body


@app.post("/workflows/<name>/start")
def workflow_start(name: str) -> dict[str, Any]:
    """Start an execution with the body's `input` (an object)."""
    payload = _body().get("input", {})
    if not isinstance(payload, dict):
        raise BadRequestError("input must be a JSON object")
    return _sfn(lambda: workflows.start(_machines(), name, payload))  # type: ignore[no-any-return]


@app.post("/executions/redrive")
def execution_redrive() -> dict[str, Any]:
    """Redrive a failed execution (the body's `arn`)."""
    arn = str(_body().get("arn", ""))
    if not arn.startswith("arn:"):
        raise BadRequestError('the body must name the execution: {"arn": "arn:..."}')
    return _sfn(lambda: workflows.redrive(_machines(), arn))  # type: ignore[no-any-return]


@app.exception_handler(WarehouseError)  # type: ignore[untyped-decorator]
def _warehouse_error(exc: WarehouseError) -> Response[Any]:
    logger.exception("warehouse")
    return Response(status_code=502, content_type="application/json", body={"error": f"warehouse: {exc}"})


@logger.inject_lambda_context(log_event=False)
@tracer.capture_lambda_handler(capture_response=False)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """API Gateway HTTP API (payload 2.0) entry point."""
    return app.resolve(event, context)
