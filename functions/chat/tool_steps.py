"""The six tool steps of the chat workflow, one Lambda each (the handler named like the tool).
Thin: validate the arguments, call the domain, return the outcome (never raise for bad input:
the outcome carries the error; only infrastructure failures raise, for the workflow's Retry)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer

from chat import tools
from consumers import pipeline_health
from functions.chat import wiring

logger = Logger(service="chat")
tracer = Tracer(service="chat")


def _run(tool: str, event: dict[str, Any], body: Any) -> dict[str, Any]:
    try:
        args = tools.parse(tool, event.get("args"))
    except ValueError as exc:
        return tools.failed(tool, str(exc))
    return body(args)  # type: ignore[no-any-return]


def _model_tool(tool: str, event: dict[str, Any], body: Any) -> dict[str, Any]:
    """A tool over the promoted models: an unknown id or an untrained model is an outcome."""
    from ml.serving import ServingError

    try:
        return _run(tool, event, body)
    except ServingError as exc:
        return tools.failed(tool, exc.message)


@tracer.capture_lambda_handler(capture_response=False)
def query_warehouse(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Guarded read-only SQL."""
    return _run("query_warehouse", event, lambda a: tools.query_warehouse(a, wiring.tool_parts().warehouse))


@tracer.capture_lambda_handler(capture_response=False)
def predict_sales(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Tickets and revenue of a concert from the promoted model."""
    from ml import serving

    def body(a: tools.PredictArgs) -> dict[str, Any]:
        models, rows = wiring.serving()
        answer = serving.predict_sales(
            models.get("ticket_sales"), rows.for_concert(a.concert_id), a.concert_id, None
        )
        return tools.ok("predict_sales", answer)

    return _model_tool("predict_sales", event, body)


@tracer.capture_lambda_handler(capture_response=False)
def recommend_concerts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Upcoming concerts for a customer."""
    from ml import serving

    def body(a: tools.RecommendArgs) -> dict[str, Any]:
        models, rows = wiring.serving()
        at = rows.data_clock()
        if at is None:
            return tools.failed("recommend_concerts", "the warehouse has no sales yet")
        loaded = models.get("recommendations")
        return tools.ok(
            "recommend_concerts",
            serving.recommend(loaded, rows.for_customer(a.customer_id, at), a.customer_id, at, a.k),
        )

    return _model_tool("recommend_concerts", event, body)


@tracer.capture_lambda_handler(capture_response=False)
def rank_venues(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Venues by predicted demand, optionally within a state or city."""
    from ml import serving

    def body(a: tools.RankArgs) -> dict[str, Any]:
        models, rows = wiring.serving()
        at = rows.data_clock()
        if at is None:
            return tools.failed("rank_venues", "the warehouse has no sales yet")
        ranking = serving.rank_venues(
            models.get("venue_popularity"), rows.for_venues(at, serving.venue_window(at)), at, top=100_000
        )
        return tools.ok("rank_venues", tools.filter_ranking(ranking, a))

    return _model_tool("rank_venues", event, body)


@tracer.capture_lambda_handler(capture_response=False)
def pipeline_status(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Dead letters, failed workflows, warehouse freshness, alarms."""

    def body(a: tools.StatusArgs) -> dict[str, Any]:
        p = wiring.tool_parts()
        report = pipeline_health.report(
            p.sqs,
            p.sfn,
            p.cloudwatch,
            p.warehouse,
            p.settings.pipeline_machines,
            p.settings.dead_letter_queues,
        )
        return tools.ok("pipeline_status", report)

    return _run("pipeline_status", event, body)


@tracer.capture_lambda_handler(capture_response=False)
def explain_schema(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """The star schema's tables and columns."""
    return _run("explain_schema", event, tools.explain_schema)
