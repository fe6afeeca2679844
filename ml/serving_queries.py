"""The warehouse rows each prediction needs, fetched with targeted queries (Data API `:name`
parameters, never string formatting), and the promoted models loaded from the registry."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Any

import joblib

from consumers.warehouse.ports import Queries
from ml.artifact_bucket import ArtifactBucket
from ml.dataset import WAREHOUSE_QUERIES, SalesRows
from ml.registry_table import Registry
from ml.serving import Loaded, ServingError

_CONCERT = WAREHOUSE_QUERIES["dim_concert"]
_SALES = WAREHOUSE_QUERIES["fact_ticket_sales"]
# Constant SQL (values are bound Data API parameters, never formatted in).
_UPCOMING_OR_BOUGHT = (
    _CONCERT + " WHERE starts_at > CAST(:at AS TIMESTAMP) OR concert_id IN "  # noqa: S608
    "(SELECT concert_id FROM fact_ticket_sales WHERE customer_id = CAST(:c AS BIGINT))"
)
_SALES_OF_CUSTOMER_OR_UPCOMING = (
    _SALES + " WHERE customer_id = CAST(:c AS BIGINT) OR concert_id IN "  # noqa: S608
    "(SELECT concert_id FROM resolved_concert WHERE starts_at > CAST(:at AS TIMESTAMP))"
)


# Each concert's sales before :at in two parts, split at its (newest) start.
_CONCERT_SALES_BEFORE = (
    "SELECT s.concert_id, MAX(s.sold_at) AS sold_at, SUM(s.quantity) AS quantity, "
    "SUM(s.revenue) AS revenue FROM fact_ticket_sales AS s JOIN (SELECT concert_id, starts_at, "
    "ROW_NUMBER() OVER (PARTITION BY concert_id ORDER BY updated_at DESC) AS version FROM resolved_concert) "
    "AS c ON c.concert_id = s.concert_id AND c.version = 1 WHERE s.sold_at < CAST(:at AS TIMESTAMP){} "
    "GROUP BY s.concert_id, s.sold_at < c.starts_at"
)
_STARTS_BETWEEN = "starts_at >= CAST(:since AS TIMESTAMP) AND starts_at < CAST(:until AS TIMESTAMP)"


class ServingRows:
    """Reads the warehouse for one answer at a time."""

    def __init__(self, warehouse: Queries) -> None:
        self.warehouse = warehouse

    def query(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        """Rows of one statement, `:name` parameters bound from the keywords."""
        return self.warehouse.query(sql, {k: str(v) for k, v in params.items()} or None)

    def data_clock(self) -> datetime | None:
        """The newest sale the warehouse knows (what 'now' means for the data)."""
        rows = self.query("SELECT MAX(sold_at) AS at FROM fact_ticket_sales")
        return rows[0]["at"] if rows else None

    def for_concert(self, concert_id: int) -> SalesRows:
        """The concert, its artist's and venue's other concerts, and their sales."""
        found = self.query(f"{_CONCERT} WHERE concert_id = CAST(:id AS BIGINT)", id=concert_id)
        if not found:
            return SalesRows()
        a, v = found[0]["artist_id"], found[0]["venue_id"]
        mine = "artist_id = CAST(:a AS BIGINT) OR venue_id = CAST(:v AS BIGINT)"
        return SalesRows.of(
            {
                "dim_concert": self.query(f"{_CONCERT} WHERE {mine}", a=a, v=v),
                "dim_artist": self.query(
                    f"{WAREHOUSE_QUERIES['dim_artist']} WHERE artist_id = CAST(:a AS BIGINT)", a=a
                ),
                "dim_venue": self.query(
                    f"{WAREHOUSE_QUERIES['dim_venue']} WHERE venue_id = CAST(:v AS BIGINT)", v=v
                ),
                "fact_ticket_sales": self.query(f"{_SALES} WHERE {mine}", a=a, v=v),
            }
        )

    def for_customer(self, customer_id: int, as_of: datetime) -> SalesRows:
        """The customer's purchases, the concerts starting after `as_of` and their sales."""
        at = as_of.isoformat()[:26]
        return SalesRows.of(
            {
                "dim_concert": self.query(
                    _UPCOMING_OR_BOUGHT,
                    at=at,
                    c=customer_id,
                ),
                "dim_artist": self.query(WAREHOUSE_QUERIES["dim_artist"]),
                "dim_venue": self.query(WAREHOUSE_QUERIES["dim_venue"]),
                "fact_ticket_sales": self.query(
                    _SALES_OF_CUSTOMER_OR_UPCOMING,
                    at=at,
                    c=customer_id,
                ),
            }
        )

    def for_venues(self, as_of: datetime, starting: tuple[datetime, datetime] | None = None) -> SalesRows:
        """What the venue ranking at `as_of` reads: the concerts starting in `starting` (all when
        None) with their artists, every venue, and each concert's sales before `as_of` summed in
        two rows (those before its start, those from it on), each at its newest sale. A venue's
        features at `as_of` count a concert's tickets before its start or before `as_of`, so the
        sums give the features every sale gives (tests/unit/test_ml_serving.py), in one row per
        concert part instead of one per sale: the ranking at 430k sales timed out (29 s)
        reading them all."""
        at = as_of.isoformat()[:26]
        if starting is None:
            concerts = self.query(_CONCERT)
            sales = self.query(_CONCERT_SALES_BEFORE.format(""), at=at)
        else:
            since, until = (t.isoformat()[:26] for t in starting)
            concerts = self.query(f"{_CONCERT} WHERE {_STARTS_BETWEEN}", since=since, until=until)
            sales = self.query(
                _CONCERT_SALES_BEFORE.format(f" AND c.{_STARTS_BETWEEN.replace(' AND ', ' AND c.')}"),
                at=at, since=since, until=until,
            )  # fmt: skip
        return SalesRows.of(
            {
                "dim_concert": concerts,
                "dim_artist": self.query(WAREHOUSE_QUERIES["dim_artist"]),
                "dim_venue": self.query(WAREHOUSE_QUERIES["dim_venue"]),
                "fact_ticket_sales": sales,
            }
        )


class ModelCache:
    """Promoted models, loaded once per container and version; the pointer is re-read at most
    every `refresh_s` seconds so a promotion is picked up without a restart."""

    def __init__(
        self, registry: Registry, bucket: ArtifactBucket, directory: Path, refresh_s: float = 30
    ) -> None:
        self.registry, self.bucket, self.directory, self.refresh_s = registry, bucket, directory, refresh_s
        self._loaded: dict[str, Loaded] = {}
        self._checked: dict[str, float] = {}

    def get(self, model: str) -> Loaded:
        """The promoted version of `model` (ServingError 503 when none is)."""
        now = time.monotonic()
        held = self._loaded.get(model)
        if held is not None and now - self._checked.get(model, 0) < self.refresh_s:
            return held
        record = self.registry.current(model)
        self._checked[model] = now
        if record is None:
            untrained = f"model {model} is not trained yet: run `concert train --model {model}`"
            raise ServingError(503, untrained, reason="untrained")
        if held is None or held.version != record["version"]:
            where = self.bucket.download_model(record["artifact"], self.directory / model / record["version"])
            held = Loaded(joblib.load(where / "model.joblib"), record["version"], record)
            self._loaded[model] = held
        return held
