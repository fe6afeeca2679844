"""`concert bench entities`: entity resolution measured on labelled data (the real TICKIT names
against a second source made from them)."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from concert.cli_support import EXIT_FAILED, CommandError, out


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
                f"{row['seed']}{' (tuned on)' if row['tuned_on'] else ''}", str(r["records"]),
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
