"""`concert train | predict sales | recommend | venues rank`: the models, trained by the
retraining workflow and served by the predictions API, exactly as on AWS."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from cloud.clients import client
from concert.cli_support import (
    EXIT_FAILED,
    EXIT_USAGE,
    CommandError,
    emit,
    err,
    nullcontext,
    out,
    parse_list,
    runtime_of,
)

if TYPE_CHECKING:
    from consumers.step_functions import StepFunctions

predict_app = typer.Typer(no_args_is_help=True, help="Predictions of the promoted models.")
venues_app = typer.Typer(no_args_is_help=True, help="Venue popularity.")
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]
AsOf = Annotated[
    str | None, typer.Option("--as-of", help="ISO time the answer is for (default: the newest sale known).")
]


def _models(model: str) -> list[str]:
    from ml.models import SPECS, spec

    if model == "all":
        return list(SPECS)
    return parse_list(model, "--model", lambda m: spec(m.strip()).name, "all", explained=True)


def train(
    ctx: typer.Context,
    model: Annotated[str, typer.Option(help="sales, venues, recommend (comma-separated), or all.")] = "all",
    seed: Annotated[int, typer.Option(help="Random seed of the training.")] = 7,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the workflow.", min=1)] = 1800,
    as_json: JsonFlag = False,
) -> None:
    """Train models on the warehouse through the retraining workflow; register and promote if better."""
    from ml.registry_table import RegistryTable

    wanted = _models(model)
    rt = runtime_of(ctx)
    sfn = client("stepfunctions")
    machine = rt.outputs().get("RetrainStateMachineArn")
    if not machine:
        raise CommandError("the retraining workflow is not deployed: run `concert up` (or `concert deploy`)")
    deadline = time.monotonic() + timeout
    registry = RegistryTable(
        client("dynamodb"), rt.outputs().get("ModelRegistryTableName", rt.names.model_registry_table)
    )
    reports: list[dict[str, Any]] = []
    executions = []
    while wanted:
        result, arn = _run_retraining(sfn, machine, wanted, seed, deadline, show=not as_json)
        executions.append(arn)
        for r in result.get("results", []):
            record = registry.version(r["model"], r["version"]) or r
            record.pop("reference", None)
            reports.append(record)
        # A retraining started by an event between our wait and our start holds the claim of
        # the models it trains: wait for it and train those again.
        wanted = [s["model"] for s in result.get("skipped", []) if "another training" in s["reason"]]
    data = {"execution": executions[0], "executions": executions, "models": reports}
    emit(data, as_json, _render_training)
    if any(r.get("status") == "failed" for r in reports):
        raise typer.Exit(EXIT_FAILED)


def _run_retraining(
    sfn: StepFunctions, machine: str, models: list[str], seed: int, deadline: float, *, show: bool
) -> tuple[dict[str, Any], str]:
    """Wait for running retrainings, start one for `models` (forced), wait; (output, arn)."""
    with err.status("waiting for a running retraining", spinner="dots") if show else nullcontext():
        while sfn.list_executions(stateMachineArn=machine, statusFilter="RUNNING", maxResults=1)[
            "executions"
        ]:
            if time.monotonic() > deadline:
                raise CommandError("a retraining is still running; try again later")
            time.sleep(1)
    name = f"train-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
    payload = {"detail": {"force": True, "models": models, "seed": seed}}
    arn = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(payload))["executionArn"]
    with err.status(f"training {', '.join(models)}", spinner="dots") if show else nullcontext():
        while True:
            desc = sfn.describe_execution(executionArn=arn)
            if desc["status"] != "RUNNING":
                break
            if time.monotonic() > deadline:
                raise CommandError(f"training still running after the timeout: {arn}")
            time.sleep(0.5)
    if desc["status"] != "SUCCEEDED":
        raise CommandError(f"the retraining workflow ended {desc['status']}: {desc.get('cause') or arn}")
    return json.loads(desc.get("output") or "{}"), str(arn)


def promoted_models(table: str) -> dict[str, dict[str, Any] | None]:
    """Per model, the promoted version and its primary test metric (None: not trained yet)."""
    from ml.models import SPECS
    from ml.registry_table import RegistryTable

    registry = RegistryTable(client("dynamodb"), table)
    out: dict[str, dict[str, Any] | None] = {}
    for name, spec in SPECS.items():
        record = registry.current(name)
        out[name] = (
            {"version": record["version"], "primary": f"{spec.primary} {spec.value(record['metrics']):.4f}"}
            if record
            else None
        )
    return out


def _render_training(d: dict[str, Any]) -> None:
    for r in d["models"]:
        if r.get("status") == "failed":
            out.print(f"[red]{r['model']} {r['version']}: failed[/] {r['reason']}")
            continue
        table = Table(title=f"{r['model']} {r['version']}: {r['status']} ({r['reason']})")
        sides = {"model": _flat(r["metrics"])}
        for kind in ("baselines", "peers"):
            sides |= {name: _flat(m) for name, m in (r.get(kind) or {}).items()}
        table.add_column("metric")
        for name in sides:
            table.add_column(name)
        for metric in sides["model"]:
            table.add_row(metric, *(f"{m[metric]:.4f}" if metric in m else "" for m in sides.values()))
        out.print(table)


def _flat(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    flat: dict[str, float] = {}
    for k, v in metrics.items():
        if isinstance(v, dict):
            flat |= _flat(v, f"{prefix}{k}.")
        elif k not in ("customers", "venues", "cold_start_share", "n"):  # counts, not metrics
            flat[f"{prefix}{k}"] = float(v)
    return flat


def _api(ctx: typer.Context, path: str, params: dict[str, Any]) -> dict[str, Any]:
    from concert.api_client import ApiError, call

    url = runtime_of(ctx).outputs().get("PredictionsApiUrl")
    if not url:
        raise CommandError("the predictions API is not deployed: run `concert up` (or `concert deploy`)")
    try:
        return call(url, path, params)
    except ApiError as exc:
        raise CommandError(str(exc), EXIT_USAGE if exc.status in (400, 404, 409) else EXIT_FAILED) from None


def _as_of(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).isoformat()
    except ValueError:
        raise CommandError(f"--as-of must be an ISO 8601 time, got {value!r}", EXIT_USAGE) from None


@predict_app.command("sales")
def predict_sales(
    ctx: typer.Context,
    concert: Annotated[int, typer.Option(help="Concert id.", min=1)],
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Predicted tickets and revenue of a concert, with 80% intervals."""
    data = _api(ctx, f"/sales/{concert}", {"as_of": _as_of(as_of)})

    def render(d: dict[str, Any]) -> None:
        table = Table(title=f"concert {d['concert_id']} (model {d['version']}, starts {d['starts_at'][:16]})")
        for col in ("", "predicted", "80% interval", "sold so far"):
            table.add_column(col)
        for t in ("tickets", "revenue"):
            table.add_row(
                t,
                f"{d[t]['predicted']:,.0f}",
                f"{d[t]['low_80']:,.0f} to {d[t]['high_80']:,.0f}",
                f"{d['sold_so_far'][t]:,.0f}",
            )
        out.print(table)
        for reason in d["reasons"]:
            out.print(f"[yellow]low confidence:[/] {reason}")

    emit(data, as_json, render)


def recommend(
    ctx: typer.Context,
    customer: Annotated[int, typer.Option(help="Customer id.", min=1)],
    k: Annotated[int, typer.Option(help="How many concerts.", min=1, max=50)] = 10,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Upcoming concerts recommended for a customer."""
    data = _api(ctx, f"/recommendations/{customer}", {"k": k, "as_of": _as_of(as_of)})

    def render(d: dict[str, Any]) -> None:
        table = Table(title=f"for customer {d['customer_id']} as of {d['as_of'][:16]} (model {d['version']})")
        for col in ("concert", "starts", "artist", "genre", "venue", "city", "score"):
            table.add_column(col)
        for c in d["concerts"]:
            table.add_row(
                str(c["concert_id"]), c["starts_at"][:16], c["artist"], c["genre"], c["venue"],
                f"{c['city']}, {c['state']}", str(c["score"]),
            )  # fmt: skip
        out.print(table)
        for reason in d["reasons"]:
            out.print(f"[yellow]note:[/] {reason}")

    emit(data, as_json, render)


@venues_app.command("rank")
def venues_rank(
    ctx: typer.Context,
    top: Annotated[int, typer.Option(help="How many venues.", min=1, max=1000)] = 20,
    as_of: AsOf = None,
    as_json: JsonFlag = False,
) -> None:
    """Venues ranked by predicted demand over the next period."""
    data = _api(ctx, "/venues/rank", {"top": top, "as_of": _as_of(as_of)})

    def render(d: dict[str, Any]) -> None:
        table = Table(
            title=f"venues as of {d['as_of'][:16]}, next {d['period_days']} days (model {d['version']})"
        )
        for col in ("rank", "venue", "city", "score", "attendance", "sell-through", "on calendar"):
            table.add_column(col)
        for v in d["venues"]:
            table.add_row(
                str(v["rank"]), v["name"], f"{v['city']}, {v['state']}", f"{v['score']:,.0f}",
                f"{v['attendance_rate']:.2f}", f"{v['sell_through']:.2f}", f"{v['scheduled_next']:.0f}",
            )  # fmt: skip
        out.print(table)

    emit(data, as_json, render)


def bench_ml(
    ctx: typer.Context, *, sales: list[int], requests: int, api: bool, as_json: bool
) -> dict[str, Any]:
    """`concert bench ml`: training time by size, then (with `api`) prediction latency."""
    from bench.ml import run_training_bench

    progress = None if as_json else err.print
    result: dict[str, Any] = {"training": run_training_bench(sales, progress=progress)}
    if api:
        result["latency"] = _latency(ctx, requests, progress)
    return result


def _latency(ctx: typer.Context, requests: int, progress: Any) -> dict[str, Any]:
    import tempfile
    from pathlib import Path

    from bench.ml import run_latency_bench
    from concert.api_client import call
    from consumers.warehouse.client import DataApiWarehouse
    from ml import serving
    from ml.artifact_bucket import ArtifactBucket
    from ml.registry_table import MODELS, RegistryTable
    from ml.serving_queries import ModelCache, ServingRows

    outputs = runtime_of(ctx).outputs()
    if "PredictionsApiUrl" not in outputs:
        return {"skipped": "the platform is not deployed: run `concert up` and `concert train` first"}
    registry = RegistryTable(client("dynamodb"), outputs["ModelRegistryTableName"])
    if any(registry.current(m) is None for m in MODELS):
        return {"skipped": "not every model is trained: run `concert train` first"}
    rows = ServingRows(DataApiWarehouse(client("redshift-data")))
    models = ModelCache(
        registry, ArtifactBucket(client("s3"), outputs["ModelsBucketName"]), Path(tempfile.mkdtemp())
    )
    concert = int(rows.query("SELECT MIN(concert_id) AS c FROM fact_ticket_sales")[0]["c"])
    customer = int(rows.query("SELECT MIN(customer_id) AS c FROM fact_ticket_sales")[0]["c"])
    clock = rows.data_clock()
    assert clock is not None

    local = {
        "sales": lambda: serving.predict_sales(
            models.get("ticket_sales"), rows.for_concert(concert), concert, None
        ),
        "recommendations": lambda: serving.recommend(
            models.get("recommendations"), rows.for_customer(customer, clock), customer, clock, 10
        ),
        "venues": lambda: serving.rank_venues(
            models.get("venue_popularity"), rows.for_venues(clock, serving.venue_window(clock)), clock, 20
        ),
    }
    calls: dict[str, tuple[str, dict[str, Any]]] = {
        "sales": (f"/sales/{concert}", {}),
        "recommendations": (f"/recommendations/{customer}", {}),
        "venues": ("/venues/rank", {}),
    }
    return run_latency_bench(
        lambda path, params: call(outputs["PredictionsApiUrl"], path, params),
        local,
        calls,
        requests=requests,
        progress=progress,
    )


def render_bench(d: dict[str, Any]) -> None:
    """The ML bench as tables."""
    t = d["training"]
    table = Table(title="training time by size (in-process, the Lambda/SageMaker code)")
    for col in ("model", "sales", "seconds", "primary metric"):
        table.add_column(col)
    for r in t["runs"]:
        table.add_row(r["model"], f"{r['sales']:,}", f"{r['seconds']:.2f}", f"{r['primary']:.4f}")
    out.print(table)
    for name, s in t.get("scaling", {}).items():
        out.print(f"{name}: time x{s['time_ratio']} for sales x{s['sales_ratio']}")
    lat = d.get("latency")
    if lat and "endpoints" in lat:
        table = Table(title=f"prediction latency, {lat['requests']} requests each (API vs in-process)")
        for col in ("endpoint", "API p50/p95 ms", "in-process p50/p95 ms", "ratio p50"):
            table.add_column(col)
        for e in lat["endpoints"]:
            table.add_row(
                e["endpoint"],
                f"{e['api']['p50_ms']} / {e['api']['p95_ms']}",
                f"{e['in_process']['p50_ms']} / {e['in_process']['p95_ms']}",
                f"{e['ratio_p50']:.2f}",
            )
        out.print(table)
    elif lat:
        out.print(f"latency: skipped ({lat['skipped']})")


def bench_ml_suite(names: list[str], *, as_json: bool) -> dict[str, Any]:
    """`concert bench ml --suite`: every model on each named workload (bench/ml_suite.py)."""
    from bench.ml_suite import run_suite

    try:
        return run_suite(names, progress=None if as_json else err.print)
    except ValueError as exc:
        raise CommandError(str(exc), EXIT_USAGE) from None


def _cell(entry: dict[str, Any], text: str) -> str:
    missed = [k for k, met in entry.get("verdicts", {}).items() if not met]
    return text + (f"  [red]✗ {', '.join(missed)}[/red]" if missed else "  ✓")


def render_suite(d: dict[str, Any]) -> None:
    """The across-data suite: one row per workload and model, then the targets missed."""
    table = Table(title="every model on every workload (in-process; ✗: a target missed)")
    for col in ("workload", "sales", "model", "seconds", "metric vs baselines / peer"):
        table.add_column(col)
    for w in d["workloads"]:
        for model, e in w["models"].items():
            if "skipped" in e:
                table.add_row(w["workload"], f"{w['sales']:,}", model, "-", f"skipped: {e['skipped']}")
                continue
            m, b = e["metrics"], e["baselines"]
            if model == "ticket_sales":
                text = "; ".join(
                    f"{t} MAE {m[t]['mae']:.2f} (venue mean {b['venue_mean'][t]['mae']:.2f}), "
                    f"coverage {m[t]['coverage_80']:.3f}"
                    for t in ("tickets", "revenue")
                )
            elif model == "recommendations":
                peer = e.get("peers", {}).get("implicit_als")
                text = (
                    f"NDCG@10 {m['ndcg_at_10']:.3f}; most popular {b['most_popular']['ndcg_at_10']:.3f}"
                    + (f"; ALS {peer['ndcg_at_10']:.3f}" if peer else "; ALS not installed")
                )
            else:
                best = max(b.items(), key=lambda kv: kv[1]["spearman"])
                text = f"Spearman {m['spearman']:.3f}; best baseline {best[0]} {best[1]['spearman']:.3f}"
            table.add_row(w["workload"], f"{w['sales']:,}", model, f"{e['seconds']:.1f}", _cell(e, text))
    out.print(table)
    for model, targets in d["summary"].items():
        for target, misses in targets.items():
            out.print(
                f"{model} {target}: " + (f"missed on {', '.join(misses)}" if misses else "met everywhere")
            )
