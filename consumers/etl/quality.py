"""Data-quality gates on a curated batch, before it is loaded. Pure (Arrow tables in, report out).

Gates: row counts against the manifests, no nulls in NOT NULL columns (from the warehouse
DDL), values in range, no duplicate keys in fact tables, and referential integrity of facts
to concerts (in the batch or already in the warehouse, through the `known_concerts` port).
Any failed gate fails the batch: it is not loaded and the report says what failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from consumers.tables import key_columns, table_schemas

FACTS = (
    "fact_ticket_sales",
    "fact_refunds",
    "fact_ticket_sales_pending",
    "fact_refunds_pending",
    "event_log",
)
RANGES: dict[str, dict[str, tuple[float, float]]] = {
    "fact_ticket_sales": {"quantity": (1, 10), "unit_price": (0, 25_000), "revenue": (0, 250_000)},
    "fact_refunds": {"quantity": (1, 10), "amount": (0, 250_000)},
    "fact_ticket_sales_pending": {"quantity": (1, 10), "unit_price": (0, 25_000), "revenue": (0, 250_000)},
    "fact_refunds_pending": {"quantity": (1, 10), "amount": (0, 250_000)},
    "dim_venue": {"capacity": (1, 150_000)},
    "dim_concert": {"capacity": (1, 150_000), "min_price": (0, 25_000), "max_price": (0, 25_000)},
    "dim_artist": {"popularity": (0, 100)},
}


@dataclass(frozen=True, slots=True)
class Gate:
    """One check on one table."""

    name: str
    table: str
    ok: bool
    detail: str = ""


@dataclass
class QualityReport:
    """Every gate run on a batch, and whether it may be loaded."""

    batch_id: str
    gates: list[Gate] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when every gate passed."""
        return all(g.ok for g in self.gates)

    def failures(self) -> list[Gate]:
        """The gates that failed."""
        return [g for g in self.gates if not g.ok]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the quality report file and the workflow output)."""
        return {"batch_id": self.batch_id, "passed": self.passed, "gates": [asdict(g) for g in self.gates]}


def _not_null(table: str, data: pa.Table) -> Gate:
    required = [f.name for f in table_schemas()[table] if not f.nullable and f.name in data.column_names]
    bad = {c: data.column(c).null_count for c in required if data.column(c).null_count}
    return Gate("not_null", table, not bad, f"nulls in {bad}" if bad else "")


def _ranges(table: str, data: pa.Table) -> list[Gate]:
    gates = []
    for column, (lo, hi) in RANGES.get(table, {}).items():
        if column not in data.column_names or not data.num_rows:
            continue
        col = pc.cast(data.column(column), pa.float64())
        low, high = pc.min(col).as_py(), pc.max(col).as_py()
        ok = low is None or (lo <= low and high <= hi)
        gates.append(
            Gate(f"range:{column}", table, ok, "" if ok else f"values {low}..{high} outside {lo}..{hi}")
        )
    return gates


def _duplicates(table: str, data: pa.Table) -> Gate:
    keys = key_columns(table)
    if not data.num_rows:
        return Gate("unique_key", table, True)
    distinct = data.group_by(keys).aggregate([]).num_rows
    dupes = data.num_rows - distinct
    return Gate("unique_key", table, dupes == 0, f"{dupes} duplicate {'/'.join(keys)}" if dupes else "")


def concerts_named(tables: Mapping[str, pa.Table]) -> set[int]:
    """The concert ids a batch's facts refer to."""
    return {
        int(v)
        for table in ("fact_ticket_sales", "fact_refunds")
        if table in tables
        for v in tables[table].column("concert_id").to_pylist()
        if v is not None
    }


def check_batch(
    batch_id: str,
    tables: Mapping[str, pa.Table],
    promised_rows: Mapping[str, int],
    known_concerts: Callable[[set[int]], set[int]],
) -> QualityReport:
    """Run every gate on the batch's tables; `known_concerts` says which ids the warehouse has."""
    report = QualityReport(batch_id)
    for table in sorted(set(promised_rows) | set(tables)):
        data = tables.get(table)
        got = data.num_rows if data is not None else 0
        want = promised_rows.get(table, 0)
        report.gates.append(
            Gate("row_count", table, got == want, "" if got == want else f"{got} rows, manifest {want}")
        )
        if data is None:
            continue
        report.gates.append(_not_null(table, data))
        report.gates.extend(_ranges(table, data))
        if table in FACTS:
            report.gates.append(_duplicates(table, data))
    referenced = concerts_named(tables)
    if referenced:
        in_batch = (
            set(tables["dim_concert"].column("concert_id").to_pylist()) if "dim_concert" in tables else set()
        )
        missing = referenced - in_batch
        missing -= known_concerts(missing) if missing else set()
        detail = f"{len(missing)} concerts unknown, e.g. {sorted(missing)[:5]}" if missing else ""
        report.gates.append(Gate("referential_integrity", "fact_*→dim_concert", not missing, detail))
    return report
