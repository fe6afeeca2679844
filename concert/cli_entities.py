"""`concert entities review|merge|split`: the artists, venues and concerts entity resolution
left to a person, and a person's decisions; `concert bench entities`: the resolver measured on labelled
data (the real TICKIT names against a second source made from them)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from cloud.clients import client
from concert.cli_support import EXIT_FAILED, EXIT_USAGE, CommandError, emit, out, runtime_of

entities_app = typer.Typer(
    no_args_is_help=True,
    help="Entity resolution: one artist, venue or show, whatever the source (review, merge, split).",
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print the result as one JSON object.")]


class EntityKind(StrEnum):
    """What is resolved."""

    artist = "artist"
    venue = "venue"
    concert = "concert"


def _warehouse() -> Any:
    from consumers.warehouse.client import DataApiWarehouse

    return DataApiWarehouse(client("redshift-data"))


@entities_app.command()
def review(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """The artists, venues and concerts kept apart until a person decides, with their likely match."""
    from consumers.entities.crosswalk import REVIEW_SQL

    runtime_of(ctx)
    rows = _warehouse().query(REVIEW_SQL)

    def render(d: dict[str, Any]) -> None:
        if not d["pending"]:
            out.print("nothing to review: every artist, venue and concert is decided")
            return
        table = Table(title=f"{len(d['pending'])} waiting for a person (merge or split)")
        for col in ("kind", "id", "source", "name", "likely the same as", "score", "why"):
            table.add_column(col)
        for r in d["pending"]:
            where = f" ({r['city']}, {r['state']})" if r.get("city") else ""
            there = f" ({r['candidate_city']})" if r.get("candidate_city") else ""
            match = f"{r['candidate']}{there} [{r['candidate_id']}]"
            name = f"{r['name']}{where}"
            table.add_row(
                r["kind"], str(r["entity_id"]), r["source"], name, match, f"{r['score']:.0f}", r["reason"]
            )
        out.print(table)
        out.print("decide: concert entities merge KIND ID --into ID, or concert entities split KIND ID")

    emit({"pending": rows}, as_json, render)


def _canonical(warehouse: Any, kind: str, entity_id: int) -> int:
    rows = warehouse.query(
        "SELECT canonical_id FROM entity_crosswalk WHERE kind = :k AND entity_id = :i",
        {"k": kind, "i": str(entity_id)},
    )
    if not rows:
        raise CommandError(f"no {kind} {entity_id} in the crosswalk (is it loaded?)", EXIT_USAGE)
    return int(rows[0]["canonical_id"])


def _counts(warehouse: Any, kind: str) -> dict[str, int]:
    row = warehouse.query(
        f"SELECT COUNT(*) AS sales, COALESCE(SUM(quantity), 0) AS tickets, COUNT(DISTINCT {kind}_id) AS ids "  # noqa: S608 (kind is an enum)
        "FROM fact_ticket_sales"
    )[0]
    return {k: int(v) for k, v in row.items()}


@entities_app.command()
def merge(
    ctx: typer.Context,
    kind: Annotated[EntityKind, typer.Argument(help="artist, venue or concert.")],
    entity_id: Annotated[int, typer.Argument(help="The id to merge (as its source published it).")],
    into: Annotated[int, typer.Option("--into", help="The entity it is the same as.")],
    as_json: JsonFlag = False,
) -> None:
    """Merge one artist, venue or concert into another: its history moves, no sale is lost or doubled."""
    from consumers.entities.crosswalk import merge_statements

    runtime_of(ctx)
    warehouse = _warehouse()
    _canonical(warehouse, kind.value, entity_id)
    canonical = _canonical(warehouse, kind.value, into)
    if canonical == entity_id:
        raise CommandError(f"{kind.value} {into} is already {entity_id}'s own entity", EXIT_USAGE)
    before = _counts(warehouse, kind.value)
    warehouse.batch(merge_statements(kind.value, entity_id, canonical))
    _report(warehouse, kind.value, before, {"merged": entity_id, "into": canonical}, as_json)


@entities_app.command()
def split(
    ctx: typer.Context,
    kind: Annotated[EntityKind, typer.Argument(help="artist, venue or concert.")],
    entity_id: Annotated[int, typer.Argument(help="The id to keep apart (as its source published it).")],
    as_json: JsonFlag = False,
) -> None:
    """Keep one artist, venue or concert apart: its own history goes back to it."""
    from consumers.entities.crosswalk import split_statements

    runtime_of(ctx)
    warehouse = _warehouse()
    _canonical(warehouse, kind.value, entity_id)
    before = _counts(warehouse, kind.value)
    warehouse.batch(split_statements(kind.value, entity_id))
    _report(warehouse, kind.value, before, {"split": entity_id}, as_json)


def _report(warehouse: Any, kind: str, before: dict[str, int], done: dict[str, int], as_json: bool) -> None:
    after = _counts(warehouse, kind)
    if (after["sales"], after["tickets"]) != (before["sales"], before["tickets"]):
        raise CommandError(f"the sales changed from {before} to {after}: report this", EXIT_FAILED)
    result = {"kind": kind, **done, "sales": after["sales"], "tickets": after["tickets"],
              f"{kind}s_with_sales": {"before": before["ids"], "after": after["ids"]}}  # fmt: skip

    def render(d: dict[str, Any]) -> None:
        ids = d[f"{kind}s_with_sales"]
        out.print(f"done: {d['sales']:,} sales ({d['tickets']:,} tickets) unchanged; {kind}s with sales "
                  f"{ids['before']} -> {ids['after']}")  # fmt: skip

    emit(result, as_json, render)


def bench_entities(held_out: int, progress: Any) -> dict[str, Any]:
    """Run the evaluation (in process: it needs no platform)."""
    from bench.entities import run_entities_bench
    from producers.catalog import CatalogMissing, load_catalog

    try:
        catalog = load_catalog()
    except CatalogMissing as exc:
        raise CommandError(str(exc), EXIT_FAILED) from None
    return run_entities_bench(catalog, held_out=held_out, progress=progress)


def render_entities(d: dict[str, Any]) -> None:
    """One table per set: each seed's merges, reviews, precision and recall, ours vs exact names."""
    t = d["targets"]
    for name, s in d["sets"].items():
        table = Table(title=f"{name} ({s['entities']} in TICKIT): merges of a second source")
        for col in ("seed", "records", "matches", "merges", "review", "precision", "recall",
                    "exact names: precision", "recall"):  # fmt: skip
            table.add_column(col, justify="right")
        for row in s["seeds"]:
            r, e = row["resolver"], row["exact"]
            table.add_row(
                f"{row['seed']}{' (seen)' if row['tuned_on'] else ''}", str(r["records"]),
                str(r["true_matches"]), str(r["merges"]), str(r["reviews"]), f"{r['precision']:.3f}",
                f"{r['recall']:.3f}", f"{e['precision']:.3f}", f"{e['recall']:.3f}",
            )  # fmt: skip
        out.print(table)
        m = s["held_out_min"]
        out.print(f"  held-out seeds, lowest: precision {m['precision']:.3f}, recall {m['recall']:.3f}")
    verdict = "met" if d["met"] else "NOT met"
    out.print(
        f"targets (precision >= {t['precision']}, recall >= {t['recall']} on every held-out seed): {verdict}"
    )
