"""The `implicit` library's ALS as a peer of the recommender, on the same holdout (optional).

ALS factorises the customer x (artist, venue) purchase matrix; a candidate concert scores by
the sum of its artist's and its venue's affinities.
Customers unknown to it get the most popular concerts, as the hybrid's cold start does.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from ml.dataset import SalesRows
from ml.recommender import Holdout, popular, top_k


def als_metrics(
    rows: SalesRows, cutoff: datetime, holdout: Holdout, *, seed: int = 7
) -> dict[str, Any] | None:
    """ALS (64 factors, 20 iterations) metrics, or None when `implicit` is not installed."""
    try:
        from implicit.cpu.als import AlternatingLeastSquares
    except ImportError:
        return None
    # Items: every artist and every venue (a purchase counts for both), so ALS sees the same
    # implicit feedback the hybrid's collaborative and venue signals see.
    concerts = holdout.catalog.concerts
    keys = sorted(
        {("a", c["artist_id"]) for c in concerts.values()} | {("v", c["venue_id"]) for c in concerts.values()}
    )
    index = {k: i for i, k in enumerate(keys)}
    c_index: dict[int, int] = {}
    cells: dict[tuple[int, int], float] = defaultdict(float)
    for s in rows.sales:
        if s["sold_at"] < cutoff and int(s["concert_id"]) in concerts:
            u = c_index.setdefault(int(s["customer_id"]), len(c_index))
            c = concerts[int(s["concert_id"])]
            cells[u, index["a", c["artist_id"]]] += float(s["quantity"])
            cells[u, index["v", c["venue_id"]]] += float(s["quantity"])
    if not cells:
        return None
    (us, its), vals = zip(*cells.keys(), strict=True), np.log1p(list(cells.values())) * 20
    m = csr_matrix((vals.astype(np.float32), (us, its)), shape=(len(c_index), len(keys)))
    als = AlternatingLeastSquares(factors=64, iterations=20, regularization=0.05, random_state=seed)
    als.fit(m, show_progress=False)
    users, items = np.asarray(als.user_factors), np.asarray(als.item_factors)

    candidates = holdout.candidates
    sold = np.array([holdout.early.get(c, 0.0) for c in candidates])
    candidate_items = (
        items[[index["a", concerts[c]["artist_id"]] for c in candidates]]
        + items[[index["v", concerts[c]["venue_id"]] for c in candidates]]
    )

    def recommend(cust: int) -> list[int]:
        p = holdout.profiles.get(cust)
        exclude = p.bought if p else set()
        if cust not in c_index:
            return [c for c, _ in popular(candidates, sold, exclude=exclude)]
        return [c for c, _ in top_k(candidates, candidate_items @ users[c_index[cust]], 10, exclude)]

    return holdout.score(recommend)
