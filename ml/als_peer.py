"""The `implicit` library's ALS as a peer of the recommender, on the same holdout (optional).

ALS factorises the customer x (artist, venue) purchase matrix; a candidate concert scores by
the sum of its artist's and its venue's affinities. Customers unknown to it get the most
popular concerts, as the hybrid's cold start does.

Tuned fairly (`tune`): factors, regularisation, iterations and the weighting of the
purchase matrix (log-scaled counts, BM25 or TF-IDF, as `implicit` provides them) are searched
on the window before the cut-off (fitted on purchases before it, scored on purchases in it,
exactly as the hybrid's blend is learnt), then the best setting is refitted on every purchase
before the cut-off and scored on the holdout.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from ml.dataset import SalesRows
from ml.recommender import WINDOW, Holdout, popular, top_k

DEFAULT = {"factors": 64, "regularization": 0.05, "iterations": 20, "weighting": "log"}
GRID = {  # 54 settings; the first search (32-128 factors) always chose its smallest: 16 added
    "factors": (16, 32, 64),
    "regularization": (0.01, 0.1, 1.0),
    "iterations": (10, 30),
    "weighting": ("log", "bm25", "tfidf"),
}
VALIDATION_CUSTOMERS = 1000


def _weighted(m: csr_matrix, weighting: str) -> csr_matrix:
    """Tickets as ALS's confidence: 1 + 20 log(1 + tickets), BM25 or TF-IDF of the counts."""
    if weighting == "bm25":
        from implicit.nearest_neighbours import bm25_weight

        return bm25_weight(m, K1=100, B=0.8).tocsr()
    if weighting == "tfidf":
        from implicit.nearest_neighbours import tfidf_weight

        return tfidf_weight(m).tocsr()
    out = m.copy()
    out.data = np.log1p(out.data) * 20
    return out


class _Matrix:
    """The customer x (artist, venue) tickets bought before a time, and the candidates' item rows."""

    def __init__(self, rows: SalesRows, holdout: Holdout, before: datetime) -> None:
        concerts = holdout.catalog.concerts
        keys = sorted(
            {("a", c["artist_id"]) for c in concerts.values()}
            | {("v", c["venue_id"]) for c in concerts.values()}
        )
        self.index = {k: i for i, k in enumerate(keys)}
        self.customers: dict[int, int] = {}
        cells: dict[tuple[int, int], float] = defaultdict(float)
        for s in rows.sales:
            if s["sold_at"] < before and int(s["concert_id"]) in concerts:
                u = self.customers.setdefault(int(s["customer_id"]), len(self.customers))
                c = concerts[int(s["concert_id"])]
                cells[u, self.index["a", c["artist_id"]]] += float(s["quantity"])
                cells[u, self.index["v", c["venue_id"]]] += float(s["quantity"])
        self.counts: csr_matrix | None = None
        if cells:
            (us, its), vals = zip(*cells.keys(), strict=True), np.array(list(cells.values()))
            shape = (len(self.customers), len(keys))
            self.counts = csr_matrix((vals.astype(np.float32), (us, its)), shape=shape)
        self.artist_rows = [self.index["a", concerts[c]["artist_id"]] for c in holdout.candidates]
        self.venue_rows = [self.index["v", concerts[c]["venue_id"]] for c in holdout.candidates]

    def score(self, holdout: Holdout, params: dict[str, Any], seed: int) -> dict[str, float]:
        """Fit ALS with `params` on these purchases; its metrics on the holdout."""
        from implicit.cpu.als import AlternatingLeastSquares

        assert self.counts is not None
        weighted = _weighted(self.counts, str(params["weighting"]))
        als = AlternatingLeastSquares(
            factors=int(params["factors"]),
            iterations=int(params["iterations"]),
            regularization=float(params["regularization"]),
            random_state=seed,
        )
        als.fit(weighted.astype(np.float32).tocsr(), show_progress=False)
        users, items = np.asarray(als.user_factors), np.asarray(als.item_factors)
        candidates = np.asarray(holdout.candidates, dtype=np.int64)
        sold = np.array([holdout.early.get(c, 0.0) for c in candidates])
        candidate_items = items[self.artist_rows] + items[self.venue_rows]

        def recommend(cust: int) -> list[int]:
            p = holdout.profiles.get(cust)
            exclude = p.bought if p else set()
            if cust not in self.customers:
                return [c for c, _ in popular(candidates, sold, exclude=exclude)]
            scores = candidate_items @ users[self.customers[cust]]
            return [c for c, _ in top_k(candidates, scores, 10, exclude)]

        return holdout.score(recommend)


def installed() -> bool:
    """Whether the optional `implicit` library is there."""
    try:
        import implicit  # noqa: F401
    except ImportError:
        return False
    return True


def settings() -> list[dict[str, Any]]:
    """Every setting of the search grid."""
    return [dict(zip(GRID, values, strict=True)) for values in itertools.product(*GRID.values())]


def tune(rows: SalesRows, cutoff: datetime, *, seed: int = 7) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The grid's best setting by NDCG@10 on the window before `cutoff`, and every setting's score."""
    if not installed():
        return dict(DEFAULT), []
    start = cutoff - WINDOW
    valid = Holdout.of(rows, start, cutoff, seed=seed, customers=VALIDATION_CUSTOMERS)
    matrix = _Matrix(rows, valid, start)
    if matrix.counts is None or not valid.truth:
        return dict(DEFAULT), []
    tried = [{**p, "ndcg_at_10": matrix.score(valid, p, seed)["ndcg_at_10"]} for p in settings()]
    best = max(tried, key=lambda t: t["ndcg_at_10"])
    return {k: best[k] for k in GRID}, tried


def als_metrics(
    rows: SalesRows,
    cutoff: datetime,
    holdout: Holdout,
    *,
    seed: int = 7,
    params: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """ALS metrics on the holdout with `params` (the DEFAULT setting when None), or None when
    `implicit` is not installed or nothing was bought before the cut-off."""
    if not installed():
        return None
    matrix = _Matrix(rows, holdout, cutoff)
    if matrix.counts is None:
        return None
    return matrix.score(holdout, params or DEFAULT, seed)
