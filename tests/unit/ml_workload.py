"""One small synthetic workload routed by the consumer core, shared by the ML unit tests."""

from __future__ import annotations

from functools import lru_cache

from consumers.core import ConsumerCore
from consumers.records import StreamRecord
from ml.dataset import SalesRows
from producers.synthetic import Spec, generate
from schemas import to_json


@lru_cache(maxsize=1)
def tables() -> dict[str, list[dict[str, object]]]:
    """The warehouse tables of a tenth of the default workload (seed 3), as the core routes them."""
    workload = generate(Spec(seed=3).scaled(0.1))
    out = ConsumerCore().process(
        [
            StreamRecord(to_json(e), e.partition_key(), str(i), "s", "t")
            for i, e in enumerate(workload.events)
        ],
        "b",
    )
    return {name: [dict(r) for r in rows] for name, rows in out.tables.items()}


def rows() -> SalesRows:
    """The same tables as model rows."""
    return SalesRows.of(tables())
