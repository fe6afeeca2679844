"""`concert ask`: a plain-language question answered through the chat HTTP API and the chat
workflow, exactly as on AWS; the answer comes with the SQL and tool calls behind it."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from concert.cli_support import (
    EXIT_FAILED,
    EXIT_REFUSED,
    EXIT_USAGE,
    CommandError,
    emit,
    err,
    nullcontext,
    out,
    runtime_of,
)


def ask(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="The question, in plain words (quote it).")],
    session: Annotated[
        str | None, typer.Option(help="Conversation id: follow-ups ('and in Ohio?') resolve within it.")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the answer.", min=1)] = 60,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as one JSON object.")] = False,
) -> None:
    """Ask a question about sales, venues, artists, predictions or the pipeline (exit 3 when it
    cannot be answered, with the reason)."""
    from chat.memory import BadSession, check_session
    from concert.api_client import ApiError, call

    if not question.strip():
        raise CommandError("the question is empty", EXIT_USAGE)
    if session is not None:
        try:
            check_session(session)
        except BadSession as exc:
            raise CommandError(f"--session: {exc}", EXIT_USAGE) from None
    url = runtime_of(ctx).outputs().get("ChatApiUrl")
    if not url:
        raise CommandError("the chat API is not deployed: run `concert up` (or `concert deploy`)")
    body = {"question": question} | ({"session": session} if session else {})
    try:
        with err.status("thinking", spinner="dots") if not as_json else nullcontext():
            answer = call(url, "/ask", timeout_s=timeout, body=body)
    except ApiError as exc:
        raise CommandError(f"chat: {exc}", EXIT_USAGE if exc.status == 400 else EXIT_FAILED) from None
    emit(answer, as_json, _render)
    if not answer.get("answered"):
        raise typer.Exit(EXIT_REFUSED)


def _render(a: dict[str, Any]) -> None:
    out.print(a.get("answer") or "(no answer)", highlight=False)
    result = a.get("result")
    rows = result.get("rows") if isinstance(result, dict) else None
    if rows and len(rows[0]) > 1:
        table = Table()
        for col in rows[0]:
            table.add_column(str(col))
        for row in rows[:20]:
            table.add_row(*(str(v) for v in row.values()))
        out.print(table)
    for call in a.get("calls", []):
        line = f"[dim]{call['tool']}({', '.join(f'{k}={v}' for k, v in call['args'].items() if k != 'sql')})"
        if call.get("sql"):
            line += f" SQL: {call['sql']}"
        out.print(line + "[/]", highlight=False)
    out.print(f"[dim]session {a.get('session')} - execution {a.get('execution')}[/]", highlight=False)


def bench_chat(
    ctx: typer.Context, *, repeats: int, as_json: bool, questions: str = "standard"
) -> dict[str, Any]:
    """Accuracy and latency of a question set (`standard`, `heldout`, `unseen` or `fresh`): through the
    chat API vs in-process; for the held-out sets also per class and the confident answers that were
    wrong."""
    import tempfile
    from pathlib import Path

    from bench.chat import HELD_OUT, HELDOUT_FILE, QUESTIONS_FILE, InProcessChat, Oracle, run_chat_bench
    from chat import tools
    from cloud.clients import client
    from concert.api_client import call
    from consumers import pipeline_health
    from consumers.warehouse.client import DataApiWarehouse
    from ml import serving
    from ml.artifact_bucket import ArtifactBucket
    from ml.registry_table import MODELS, RegistryTable
    from ml.serving_queries import ModelCache, ServingRows

    outputs = runtime_of(ctx).outputs()
    if "ChatApiUrl" not in outputs:
        raise CommandError("the chat API is not deployed: run `concert up` (and `concert train`) first")
    warehouse = DataApiWarehouse(client("redshift-data"))
    registry = RegistryTable(client("dynamodb"), outputs["ModelRegistryTableName"])
    if any(registry.current(m) is None for m in MODELS):
        raise CommandError("not every model is trained: run `concert train` first")
    models = ModelCache(
        registry, ArtifactBucket(client("s3"), outputs["ModelsBucketName"]), Path(tempfile.mkdtemp())
    )
    rows = ServingRows(warehouse)
    clock = rows.data_clock()
    if clock is None:
        raise CommandError("the warehouse has no sales yet: run `concert up` first")

    def health() -> dict[str, Any]:
        return pipeline_health.report(
            client("sqs"),
            client("stepfunctions"),
            client("cloudwatch"),
            warehouse,
            outputs,
            runtime_of(ctx).names.dead_letter_queues,
        )

    def rank(a: Any) -> dict[str, Any]:
        ranking = serving.rank_venues(
            models.get("venue_popularity"),
            rows.for_venues(clock, serving.venue_window(clock)),
            clock,
            100_000,
        )
        return tools.ok("rank_venues", tools.filter_ranking(ranking, a))

    def recommend(a: Any) -> dict[str, Any]:
        answer = serving.recommend(
            models.get("recommendations"), rows.for_customer(a.customer_id, clock), a.customer_id, clock, a.k
        )
        return tools.ok("recommend_concerts", answer)

    runners = {
        "query_warehouse": lambda a: tools.query_warehouse(a, warehouse),
        "explain_schema": tools.explain_schema,
        "pipeline_status": lambda a: tools.ok("pipeline_status", health()),
        "predict_sales": lambda a: tools.ok(
            "predict_sales",
            serving.predict_sales(
                models.get("ticket_sales"), rows.for_concert(a.concert_id), a.concert_id, None
            ),
        ),
        "recommend_concerts": recommend,
        "rank_venues": rank,
    }
    local = InProcessChat(warehouse, runners)
    oracle = Oracle(
        warehouse.query, lambda path, params: call(outputs["PredictionsApiUrl"], path, params), health
    )

    def ask(question: str, session: str | None) -> dict[str, Any]:
        body = {"question": question} | ({"session": session} if session else {})
        return call(outputs["ChatApiUrl"], "/ask", timeout_s=60, body=body)

    return run_chat_bench(
        ask,
        local.ask,
        oracle,
        repeats=repeats,
        progress=None if as_json else err.print,
        questions_file=(
            HELDOUT_FILE.with_name(f"{questions}.json") if questions in HELD_OUT else QUESTIONS_FILE
        ),
    )


def render_bench(d: dict[str, Any]) -> None:
    """The chat bench as a table."""
    out.print(f"accuracy {d['correct']}/{d['questions']} ({d['accuracy']:.1%}), {d['repeats']} repeats")
    if "confident_wrong" in d:
        out.print(
            f"confident answers that were wrong: {d['confident_wrong']} ({d['confident_wrong_share']:.1%})"
        )
    for name, c in (d.get("by_class") or {}).items():
        out.print(f"  {name}: {c}")
    for w in d["wrong"]:
        out.print(f"[red]wrong[/] {w['id']}: {w['why']}")
    table = Table(title="latency per question, ms (chat API + workflow vs in-process)")
    for col in ("question", "tool", "API p50", "API p95", "in-process p50"):
        table.add_column(col)
    for r in d["per_question"]:
        table.add_row(
            r["id"], r["tool"], str(r["api_p50_ms"]), str(r["api_p95_ms"]), str(r["in_process_p50_ms"])
        )
    out.print(table)
    a, loc = d["api"], d["in_process"]
    out.print(
        f"all questions: API p50 {a['p50_ms']} / p95 {a['p95_ms']} ms; "
        f"in-process p50 {loc['p50_ms']} / p95 {loc['p95_ms']} ms"
    )
