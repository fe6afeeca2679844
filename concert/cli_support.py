"""What every `concert` command shares: consoles, exit codes, one-line errors, JSON output,
progress, and the one parser of comma-separated options."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from concert.runtime import Runtime

EXIT_FAILED, EXIT_USAGE, EXIT_REFUSED = 1, 2, 3
out = Console()
err = Console(stderr=True)
T = TypeVar("T")


class CommandError(Exception):
    """A failure to report as one line, with an exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def runtime_of(ctx: typer.Context) -> Runtime:
    """The runtime the main callback put on the context."""
    rt: Runtime = ctx.obj
    return rt


def emit(data: dict[str, Any], as_json: bool, render: Callable[[dict[str, Any]], None]) -> None:
    """One JSON object on stdout, or the human rendering."""
    if as_json:
        sys.stdout.write(json.dumps(data, default=str) + "\n")
    else:
        render(data)


class nullcontext:
    """A do-nothing context manager (in place of a spinner when printing JSON)."""

    def __enter__(self) -> nullcontext:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, *_args: object, **_kwargs: object) -> None:
        """A spinner's status update: nothing to show."""


def said(message: str) -> None:
    """A service start's progress (waiting for a busy one of ours), on stderr even with --json."""
    err.print(f"[yellow]{message}[/]")


def progress_bar(enabled: bool) -> Progress:
    """The progress bar of a long command, on stderr (hidden when printing JSON)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=err,
        disable=not enabled,
        transient=False,
    )


def parse_list(
    text: str,
    option: str,
    kind: Callable[[str], T],
    what: str,
    *,
    skip_empty: bool = False,
    explained: bool = False,
) -> list[T]:
    """The items of a comma-separated option, each read by `kind` (blank ones skipped with
    `skip_empty`, else refused); a usage error (exit 2) names the option and `what` it wants,
    or, with `explained`, gives `kind`'s own reason (one that names the item and the choices)."""
    items = [item for item in text.split(",") if item.strip() or not skip_empty]
    try:
        return [kind(item) for item in items]
    except ValueError as exc:
        if explained:
            raise CommandError(f"{option}: {exc}, or {what}", EXIT_USAGE) from None
        raise CommandError(f"{option} must be comma-separated {what}, got {text!r}", EXIT_USAGE) from None
