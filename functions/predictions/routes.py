"""Predictions routes: GET /sales/{concert_id}, /recommendations/{customer_id}, /venues/rank,
/models. Thin: parse and validate the request, call one serving function, return JSON with
the model version. Models are loaded once per container (and again after a promotion). The
predictions API serves them at its root and the dashboard API under /models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.exceptions import BadRequestError
from aws_lambda_powertools.event_handler.router import APIGatewayHttpRouter

from consumers.warehouse.client import WarehouseError
from functions.predictions import wiring
from ml import serving
from ml.registry_table import MODELS
from ml.serving_queries import ServingRows

logger = Logger(service="predictions")
router = APIGatewayHttpRouter()  # type: ignore[no-untyped-call]


def _int(name: str, value: str | None, lo: int, hi: int, default: int | None = None) -> int:
    if value is None and default is not None:
        return default
    try:
        n = int(str(value))
    except ValueError:
        raise BadRequestError(f"{name} must be an integer, got {value!r}") from None
    if not lo <= n <= hi:
        raise BadRequestError(f"{name} must be between {lo} and {hi}, got {n}")
    return n


def _as_of() -> datetime | None:
    raw = router.current_event.get_query_string_value("as_of")
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise BadRequestError(f"as_of must be an ISO 8601 time, got {raw!r}") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _clock(rows: ServingRows, as_of: datetime | None) -> datetime:
    at = as_of or rows.data_clock()
    if at is None:
        raise serving.ServingError(409, "the warehouse has no sales yet")
    return at


@router.get("/sales/<concert_id>")
def sales(concert_id: str) -> dict[str, Any]:
    """Predicted tickets and revenue of a concert."""
    cid = _int("concert_id", concert_id, 1, 2**62)
    p = wiring.parts()
    return serving.predict_sales(p.models.get("ticket_sales"), p.rows.for_concert(cid), cid, _as_of())


@router.get("/recommendations/<customer_id>")
def recommendations(customer_id: str) -> dict[str, Any]:
    """Upcoming concerts for a customer."""
    cust = _int("customer_id", customer_id, 1, 2**62)
    k = _int("k", router.current_event.get_query_string_value("k"), 1, 50, default=10)
    p = wiring.parts()
    loaded, at = p.models.get("recommendations"), _clock(p.rows, _as_of())
    return serving.recommend(loaded, p.rows.for_customer(cust, at), cust, at, k)


@router.get("/venues/rank")
def venues() -> dict[str, Any]:
    """Venues by predicted demand over the next period."""
    top = _int("top", router.current_event.get_query_string_value("top"), 1, 1000, default=20)
    p = wiring.parts()
    loaded, at = p.models.get("venue_popularity"), _clock(p.rows, _as_of())
    return serving.rank_venues(loaded, p.rows.for_venues(at, serving.venue_window(at)), at, top)


@router.get("/models")
def promoted() -> dict[str, Any]:
    """The promoted version of each model with its test metrics."""
    out = {}
    registry = wiring.parts().registry
    for name in MODELS:
        record = registry.current(name)
        out[name] = (
            {k: record.get(k) for k in ("version", "metrics", "registered_at", "code_version")}
            if record
            else None
        )
    return {"models": out}


@router.exception_handler(serving.ServingError)  # type: ignore[untyped-decorator]
def _serving_error(exc: serving.ServingError) -> Response[Any]:
    body = {"error": exc.message} | ({"reason": exc.reason} if exc.reason else {})
    return Response(status_code=exc.status, content_type="application/json", body=body)


@router.exception_handler(WarehouseError)  # type: ignore[untyped-decorator]
def _warehouse_error(exc: WarehouseError) -> Response[Any]:
    logger.exception("warehouse")
    return Response(status_code=502, content_type="application/json", body={"error": f"warehouse: {exc}"})
