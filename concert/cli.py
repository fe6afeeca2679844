"""`concert`: run the platform locally or on AWS, produce events, and report on it.

The app, its global options and the entry point; the commands live in one module per group:
cli_platform (deploy, up, down), cli_status, cli_events (produce, query, reconcile, replay),
cli_bench, cli_workflows, cli_chat, cli_dashboard, cli_ml, cli_entities.

Exit codes: 0 success; 1 an error, or events that could not be published; 2 a bad
argument; 3 some input rows were refused as invalid (the valid ones were published).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from botocore.exceptions import BotoCoreError, ClientError
from typer.exceptions import TyperException

from cloud.clients import CloudUnreachable, explain
from cloud.local_cloud import LocalCloudError
from concert import (
    cli_bench,
    cli_chat,
    cli_dashboard,
    cli_entities,
    cli_events,
    cli_ml,
    cli_platform,
    cli_status,
    cli_workflows,
)
from concert.cli_platform import Target
from concert.cli_support import EXIT_FAILED, EXIT_USAGE, CommandError
from concert.runtime import Runtime
from concert.settings import CliSettings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Concert Data Platform: streams, lake, warehouse and workflows, locally or on AWS.",
)


@app.callback()
def _main(
    ctx: typer.Context,
    target: Annotated[
        Target | None, typer.Option(help="local (embedded ministack), aws or localstack.")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port of the local cloud (default 4566, or CONCERT_PORT).")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where local state lives (default .data/).")] = None,
    env: Annotated[
        str | None,
        typer.Option(
            "--env",
            help="Environment (infra/environments.toml): its stack and names. Default local, or dev "
            "with --target aws (or CONCERT_ENV).",
        ),
    ] = None,
) -> None:
    """Options shared by every command; settings also come from CONCERT_* variables."""
    overrides: dict[str, Any] = {}
    if target is not None:
        overrides["target"] = target.value
    if port is not None:
        overrides["port"] = port
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if env is not None:
        overrides["env"] = env
    ctx.obj = Runtime(_settings(overrides))
    ctx.obj.activate()


def _settings(overrides: dict[str, Any]) -> CliSettings:
    """The settings in force; an environment that is malformed or not defined in
    infra/environments.toml is a usage error (exit 2) before anything starts."""
    from pydantic import ValidationError

    from infra.environments import environments

    try:
        settings = CliSettings(**overrides)
    except ValidationError as exc:
        if not any(e["loc"] == ("env",) for e in exc.errors()):
            raise
        raise CommandError(
            f"--env: {exc.errors()[0]['msg'].removeprefix('Value error, ')}", EXIT_USAGE
        ) from None
    known = environments()
    if settings.environment not in known:
        raise CommandError(
            f"--env: environment {settings.environment!r} is not defined in infra/environments.toml "
            f"(defined: {', '.join(known)})",
            EXIT_USAGE,
        )
    return settings


# -- the commands, in the order `concert --help` lists them --------------------------------

app.command()(cli_platform.deploy)
app.command()(cli_events.produce)
app.command()(cli_status.status)
app.command()(cli_platform.up)
app.command()(cli_platform.down)
app.command()(cli_events.query)
app.command(name="reconcile")(cli_events.reconcile_cmd)
app.command()(cli_events.replay)
app.command()(cli_bench.bench)
app.add_typer(cli_workflows.workflows_app, name="workflows")
app.command()(cli_chat.ask)
app.command()(cli_dashboard.dashboard)
app.command()(cli_ml.train)
app.command()(cli_ml.recommend)
app.add_typer(cli_ml.predict_app, name="predict")
app.add_typer(cli_ml.venues_app, name="venues")
app.add_typer(cli_entities.entities_app, name="entities")


# -- entry point ----------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; every error is one line on stderr and an exit code, never a traceback."""
    try:
        code = app(args=argv, standalone_mode=False)
        return code if isinstance(code, int) else 0
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:  # Ctrl-C outside the commands that handle it
        print("concert: aborted", file=sys.stderr)
        if "jsii" in sys.modules:
            # The CDK synthesizer's Node process got the Ctrl-C too: its exit handler would write
            # to the dead process and print a BrokenPipeError traceback. Leave without it.
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(130)
        return 130
    except TyperException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":
            print(exc.format_message(), file=sys.stderr)
            return EXIT_USAGE
        ctx = getattr(exc, "ctx", None)
        cmd = ctx.command_path if ctx is not None else "concert"
        message = " ".join(exc.format_message().split())
        print(f"{cmd}: error: {message} (see `{cmd} --help`)", file=sys.stderr)
        return EXIT_USAGE
    except CommandError as exc:
        print(f"concert: error: {exc}", file=sys.stderr)
        return exc.code
    except (BotoCoreError, ClientError, CloudUnreachable) as exc:
        print(f"concert: error: {explain(exc)}", file=sys.stderr)
        return EXIT_FAILED
    except (LocalCloudError, OSError, ValueError, RuntimeError) as exc:
        print(f"concert: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
