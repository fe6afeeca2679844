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
