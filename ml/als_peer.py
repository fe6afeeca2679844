"""The `implicit` library's ALS as a peer of the recommender, on the same holdout (optional).

ALS factorises the same customer x artist matrix; a candidate concert scores by its artist.
Customers unknown to it get the most popular concerts, as the hybrid's cold start does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from ml.dataset import SalesRows
from ml.recommender import Holdout, popular


def als_metrics(
    rows: SalesRows, cutoff: datetime, holdout: Holdout, *, seed: int = 7
) -> dict[str, Any] | None:
    """ALS (64 factors, 20 iterations) metrics, or None when `implicit` is not installed."""
    try:
        from implicit.cpu.als import AlternatingLeastSquares
    except ImportError:
        return None
    artists = sorted({c["artist_id"] for c in holdout.catalog.concerts.values()})
    a_index = {a: i for i, a in enumerate(artists)}
    c_index: dict[int, int] = {}
    cells: dict[tuple[int, int], float] = defaultdict(float)
    for s in rows.sales:
        if s["sold_at"] < cutoff and int(s["artist_id"]) in a_index:
            u = c_index.setdefault(int(s["customer_id"]), len(c_index))
            cells[u, a_index[int(s["artist_id"])]] += float(s["quantity"])
    if not cells:
        return None
    (us, ars), vals = zip(*cells.keys(), strict=True), np.log1p(list(cells.values())) * 20
    m = csr_matrix((vals.astype(np.float32), (us, ars)), shape=(len(c_index), len(artists)))
    als = AlternatingLeastSquares(factors=64, iterations=20, regularization=0.05, random_state=seed)
    als.fit(m, show_progress=False)
    users, items = np.asarray(als.user_factors), np.asarray(als.item_factors)

    def recommend(cust: int) -> list[int]:
        p = holdout.profiles.get(cust)
        pool = [c for c in holdout.candidates if p is None or c not in p.bought]
        if cust not in c_index:
            return [c for c, _ in popular(pool, holdout.early)]
        u = users[c_index[cust]]
        scored = [(c, float(u @ items[a_index[holdout.catalog.concerts[c]["artist_id"]]])) for c in pool]
        return [c for c, _ in sorted(scored, key=lambda p: (-p[1], p[0]))[:10]]

    return holdout.score(recommend)
