-- The warehouse star schema, in Redshift SQL. The one definition: the local endpoint runs it
-- translated to DuckDB, and the curated Parquet schemas are derived from it (consumers/tables.py).

CREATE TABLE IF NOT EXISTS dim_date (
    date_key    INTEGER  NOT NULL,
    full_date   DATE     NOT NULL,
    year        SMALLINT NOT NULL,
    quarter     SMALLINT NOT NULL,
    month       SMALLINT NOT NULL,
    day         SMALLINT NOT NULL,
    weekday     SMALLINT NOT NULL,
    is_weekend  BOOLEAN  NOT NULL,
    PRIMARY KEY (date_key)
) DISTSTYLE ALL SORTKEY (date_key);

CREATE TABLE IF NOT EXISTS dim_artist (
    artist_id   BIGINT       NOT NULL,
    name        VARCHAR(200) NOT NULL,
    genre       VARCHAR(32)  NOT NULL,
    genres      VARCHAR(200) NOT NULL,
    popularity  SMALLINT     NOT NULL,
    country     VARCHAR(2),
    updated_at  TIMESTAMPTZ  NOT NULL,
    event_id    VARCHAR(36)  NOT NULL,
    PRIMARY KEY (artist_id)
) DISTSTYLE ALL SORTKEY (artist_id);

CREATE TABLE IF NOT EXISTS dim_venue (
    venue_id    BIGINT       NOT NULL,
    name        VARCHAR(200) NOT NULL,
    city        VARCHAR(200) NOT NULL,
    state       VARCHAR(2)   NOT NULL,
    capacity    INTEGER      NOT NULL,
    updated_at  TIMESTAMPTZ  NOT NULL,
    event_id    VARCHAR(36)  NOT NULL,
    PRIMARY KEY (venue_id)
) DISTSTYLE ALL SORTKEY (venue_id);

CREATE TABLE IF NOT EXISTS dim_concert (
    concert_id     BIGINT        NOT NULL,
    artist_id      BIGINT        NOT NULL,
    venue_id       BIGINT        NOT NULL,
    starts_at      TIMESTAMPTZ   NOT NULL,
    on_sale_at     TIMESTAMPTZ   NOT NULL,
    capacity       INTEGER       NOT NULL,
    min_price      DECIMAL(12,2) NOT NULL,
    max_price      DECIMAL(12,2) NOT NULL,
    status         VARCHAR(16)   NOT NULL,
    cancel_reason  VARCHAR(500),
    updated_at     TIMESTAMPTZ   NOT NULL,
    event_id       VARCHAR(36)   NOT NULL,
    PRIMARY KEY (concert_id)
) DISTSTYLE ALL SORTKEY (concert_id);

CREATE TABLE IF NOT EXISTS fact_ticket_sales (
    event_id           VARCHAR(36)   NOT NULL,
    sale_id            BIGINT        NOT NULL,
    concert_id         BIGINT        NOT NULL,
    artist_id          BIGINT        NOT NULL,
    venue_id           BIGINT        NOT NULL,
    customer_id        BIGINT        NOT NULL,
    sold_at            TIMESTAMPTZ   NOT NULL,
    date_key           INTEGER       NOT NULL,
    tier               VARCHAR(16)   NOT NULL,
    quantity           SMALLINT      NOT NULL,
    unit_price         DECIMAL(12,2) NOT NULL,
    revenue            DECIMAL(14,2) NOT NULL,
    currency           VARCHAR(3)    NOT NULL,
    channel            VARCHAR(16)   NOT NULL,
    price_band         VARCHAR(16)   NOT NULL,
    city               VARCHAR(200)  NOT NULL,
    state              VARCHAR(2)    NOT NULL,
    venue_capacity     INTEGER       NOT NULL,
    concert_capacity   INTEGER       NOT NULL,
    genre              VARCHAR(32)   NOT NULL,
    artist_popularity  SMALLINT      NOT NULL,
    days_to_show       INTEGER       NOT NULL,
    running_sold       INTEGER       NOT NULL,
    sell_through       DOUBLE PRECISION,
    PRIMARY KEY (event_id)
) DISTKEY (concert_id) SORTKEY (sold_at);

CREATE TABLE IF NOT EXISTS fact_refunds (
    event_id     VARCHAR(36)   NOT NULL,
    refund_id    BIGINT        NOT NULL,
    sale_id      BIGINT        NOT NULL,
    concert_id   BIGINT        NOT NULL,
    artist_id    BIGINT        NOT NULL,
    venue_id     BIGINT        NOT NULL,
    customer_id  BIGINT        NOT NULL,
    refunded_at  TIMESTAMPTZ   NOT NULL,
    date_key     INTEGER       NOT NULL,
    quantity     SMALLINT      NOT NULL,
    amount       DECIMAL(14,2) NOT NULL,
    currency     VARCHAR(3)    NOT NULL,
    reason       VARCHAR(32)   NOT NULL,
    PRIMARY KEY (event_id)
) DISTKEY (concert_id) SORTKEY (refunded_at);

-- Late-arriving dimensions are resolved here, never by holding data in a consumer: a ticket
-- event whose concert, artist or venue the consumer does not know yet lands as a pending fact
-- (its own columns only). Every load cycle moves the pending facts whose dimensions exist into
-- the fact table, with the columns they carry from their dimensions computed from them.
CREATE TABLE IF NOT EXISTS fact_ticket_sales_pending (
    event_id     VARCHAR(36)   NOT NULL,
    sale_id      BIGINT        NOT NULL,
    concert_id   BIGINT        NOT NULL,
    customer_id  BIGINT        NOT NULL,
    sold_at      TIMESTAMPTZ   NOT NULL,
    date_key     INTEGER       NOT NULL,
    tier         VARCHAR(16)   NOT NULL,
    quantity     SMALLINT      NOT NULL,
    unit_price   DECIMAL(12,2) NOT NULL,
    revenue      DECIMAL(14,2) NOT NULL,
    currency     VARCHAR(3)    NOT NULL,
    channel      VARCHAR(16)   NOT NULL,
    price_band   VARCHAR(16)   NOT NULL,
    waiting_for  VARCHAR(64)   NOT NULL,
    PRIMARY KEY (event_id)
) DISTKEY (concert_id) SORTKEY (sold_at);

CREATE TABLE IF NOT EXISTS fact_refunds_pending (
    event_id     VARCHAR(36)   NOT NULL,
    refund_id    BIGINT        NOT NULL,
    sale_id      BIGINT        NOT NULL,
    concert_id   BIGINT        NOT NULL,
    customer_id  BIGINT        NOT NULL,
    refunded_at  TIMESTAMPTZ   NOT NULL,
    date_key     INTEGER       NOT NULL,
    quantity     SMALLINT      NOT NULL,
    amount       DECIMAL(14,2) NOT NULL,
    currency     VARCHAR(3)    NOT NULL,
    reason       VARCHAR(32)   NOT NULL,
    waiting_for  VARCHAR(64)   NOT NULL,
    PRIMARY KEY (event_id)
) DISTKEY (concert_id) SORTKEY (refunded_at);

CREATE TABLE IF NOT EXISTS event_log (
    event_id             VARCHAR(36)  NOT NULL,
    event_type           VARCHAR(32)  NOT NULL,
    occurred_at          TIMESTAMPTZ  NOT NULL,
    source               VARCHAR(64)  NOT NULL,
    batch_id             VARCHAR(128) NOT NULL,
    shard_id             VARCHAR(64)  NOT NULL,
    sequence_number      VARCHAR(128) NOT NULL,
    sub_sequence_number  INTEGER      NOT NULL,
    arrived_at           TIMESTAMPTZ,
    loaded_at            TIMESTAMPTZ,
    PRIMARY KEY (event_id)
) DISTKEY (event_id) SORTKEY (occurred_at);

CREATE TABLE IF NOT EXISTS agg_daily_sales (
    date_key         INTEGER       NOT NULL,
    concert_id       BIGINT        NOT NULL,
    venue_id         BIGINT        NOT NULL,
    artist_id        BIGINT        NOT NULL,
    tickets          BIGINT        NOT NULL,
    revenue          DECIMAL(16,2) NOT NULL,
    refunded_tickets BIGINT        NOT NULL,
    refunded_amount  DECIMAL(16,2) NOT NULL,
    PRIMARY KEY (date_key, concert_id)
) DISTKEY (concert_id) SORTKEY (date_key);

-- The ETL ledger: one row per curated batch the workflow finished (loaded, or rejected by a
-- quality gate with its report), written in the load cycle's transaction; the landing ledger
-- (S3, ledger/landed/) lists the batches landed, and those without a row here are pending.
CREATE TABLE IF NOT EXISTS etl_batches (
    batch_id     VARCHAR(128)   NOT NULL,
    status       VARCHAR(16)    NOT NULL,
    rows_loaded  BIGINT         NOT NULL,
    finished_at  TIMESTAMPTZ    NOT NULL,
    report       VARCHAR(4096),
    PRIMARY KEY (batch_id)
) DISTSTYLE ALL SORTKEY (finished_at);

-- The entity crosswalk: every artist, venue and concert id as a source published it (and that
-- source), and the canonical entity it is (itself unless merged). Written by entity resolution
-- after each load cycle and by `concert entities merge|split`; facts and the daily aggregates
-- carry the canonical ids (a load maps an id merged already), the dimensions keep every id as
-- published (so a split can put history back; readers of the catalog go through the resolved_*
-- views below). verdict: new, merge, review (kept apart until a person decides; candidate_id
-- is the likely match), merged or split (a person's decision, never changed by the resolver).
CREATE TABLE IF NOT EXISTS entity_crosswalk (
    kind          VARCHAR(8)       NOT NULL,
    entity_id     BIGINT           NOT NULL,
    source        VARCHAR(64)      NOT NULL,
    canonical_id  BIGINT           NOT NULL,
    verdict       VARCHAR(8)       NOT NULL,
    candidate_id  BIGINT,
    score         DOUBLE PRECISION,
    reason        VARCHAR(200),
    decided_at    TIMESTAMPTZ      NOT NULL,
    PRIMARY KEY (kind, entity_id)
) DISTSTYLE ALL SORTKEY (kind, entity_id);

-- The concert each moved fact's event named: entity resolution moves a sale or refund of a show
-- two sources published (two concert ids) onto the show's one id, and keeps here the id it was
-- published with, so a person's split moves it back. Facts never moved have no row.
CREATE TABLE IF NOT EXISTS fact_concert_published (
    event_id    VARCHAR(36)  NOT NULL,
    concert_id  BIGINT       NOT NULL,
    PRIMARY KEY (event_id)
) DISTKEY (event_id);

-- The catalog as one entity each, what answers about artists, venues and concerts read (dim_*
-- keep every id as a source published it: the lineage a split needs): the artists and venues
-- entity resolution has not merged into another; the concerts likewise (one row a show), each
-- with its artist and venue as decided; every id as published with the entity it is; and the
-- names of merged ids, each with its entity (a name a source spells differently finds it).
CREATE OR REPLACE VIEW resolved_artist AS
SELECT a.artist_id, a.name, a.genre, a.genres, a.popularity, a.country, a.updated_at
FROM dim_artist AS a LEFT JOIN entity_crosswalk AS x ON x.kind = 'artist' AND x.entity_id = a.artist_id
WHERE x.canonical_id IS NULL OR x.canonical_id = a.artist_id;

CREATE OR REPLACE VIEW resolved_venue AS
SELECT v.venue_id, v.name, v.city, v.state, v.capacity, v.updated_at
FROM dim_venue AS v LEFT JOIN entity_crosswalk AS x ON x.kind = 'venue' AND x.entity_id = v.venue_id
WHERE x.canonical_id IS NULL OR x.canonical_id = v.venue_id;

CREATE OR REPLACE VIEW resolved_concert AS
SELECT c.concert_id, COALESCE(xa.canonical_id, c.artist_id) AS artist_id,
       COALESCE(xv.canonical_id, c.venue_id) AS venue_id, c.starts_at, c.on_sale_at, c.capacity,
       c.min_price, c.max_price, c.status, c.cancel_reason, c.updated_at
FROM dim_concert AS c
LEFT JOIN entity_crosswalk AS xa ON xa.kind = 'artist' AND xa.entity_id = c.artist_id
LEFT JOIN entity_crosswalk AS xv ON xv.kind = 'venue' AND xv.entity_id = c.venue_id
LEFT JOIN entity_crosswalk AS xc ON xc.kind = 'concert' AND xc.entity_id = c.concert_id
WHERE xc.canonical_id IS NULL OR xc.canonical_id = c.concert_id;

CREATE OR REPLACE VIEW entity_ids AS
SELECT kind, entity_id, canonical_id FROM entity_crosswalk;

CREATE OR REPLACE VIEW entity_alias AS
SELECT x.kind, x.canonical_id AS entity_id, COALESCE(a.name, v.name) AS name, v.city, v.state
FROM entity_crosswalk AS x
LEFT JOIN dim_artist AS a ON x.kind = 'artist' AND a.artist_id = x.entity_id
LEFT JOIN dim_venue AS v ON x.kind = 'venue' AND v.venue_id = x.entity_id
WHERE x.canonical_id <> x.entity_id AND COALESCE(a.name, v.name) IS NOT NULL;

-- The load lease: one load cycle at a time per warehouse (taken and renewed by the cycle's
-- plan step, given back when no work is left; a crashed cycle's lease expires).
CREATE TABLE IF NOT EXISTS etl_lease (
    name           VARCHAR(32)  NOT NULL,
    holder         VARCHAR(256),
    expires_epoch  BIGINT       NOT NULL,
    PRIMARY KEY (name)
) DISTSTYLE ALL;

-- Daily sales per venue and per artist, and each concert's sell-through and revenue, all
-- derived from agg_daily_sales (rebuilt by every load for the days it touched).
CREATE OR REPLACE VIEW agg_daily_venue_sales AS
SELECT date_key, venue_id, SUM(tickets) AS tickets, SUM(revenue) AS revenue,
       SUM(refunded_tickets) AS refunded_tickets, SUM(refunded_amount) AS refunded_amount
FROM agg_daily_sales GROUP BY date_key, venue_id;

CREATE OR REPLACE VIEW agg_daily_artist_sales AS
SELECT date_key, artist_id, SUM(tickets) AS tickets, SUM(revenue) AS revenue,
       SUM(refunded_tickets) AS refunded_tickets, SUM(refunded_amount) AS refunded_amount
FROM agg_daily_sales GROUP BY date_key, artist_id;

-- (its venue and artist canonical, as the facts')
CREATE OR REPLACE VIEW agg_concert_sell_through AS
SELECT c.concert_id, c.venue_id, c.artist_id, c.capacity,
       COALESCE(SUM(a.tickets), 0) - COALESCE(SUM(a.refunded_tickets), 0) AS tickets_net,
       COALESCE(SUM(a.revenue), 0) - COALESCE(SUM(a.refunded_amount), 0) AS revenue_net,
       CAST(COALESCE(SUM(a.tickets), 0) - COALESCE(SUM(a.refunded_tickets), 0) AS DOUBLE PRECISION)
           / NULLIF(c.capacity, 0) AS sell_through
FROM resolved_concert AS c LEFT JOIN agg_daily_sales AS a ON a.concert_id = c.concert_id
GROUP BY c.concert_id, c.venue_id, c.artist_id, c.capacity;
