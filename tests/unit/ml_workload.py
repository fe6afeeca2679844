"""One small synthetic workload routed by the consumer core, shared by the ML unit tests."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bench.ml import routed_tables
from ml.dataset import SalesRows
from producers.synthetic import Spec


@lru_cache(maxsize=1)
def tables() -> dict[str, list[dict[str, Any]]]:
    """The warehouse tables of a tenth of the default workload (seed 3)."""
    return routed_tables(Spec(seed=3).scaled(0.1))


def rows() -> SalesRows:
    """The same tables as model rows."""
    return SalesRows.of(tables())
