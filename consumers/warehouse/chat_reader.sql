-- The chat's read-only database role on Redshift (run once by the admin after the first
-- deploy; `docs/aws-deployment.md`). The chat's SQL tool signs in through the Data API with its
-- IAM role, which carries the principal tag RedshiftDbRoles=chat_reader: Redshift grants it this
-- role at sign-in, and nothing else. The second lock behind the SQL guard: even a statement the
-- guard let through could only read the star schema.
CREATE ROLE chat_reader;
GRANT USAGE ON SCHEMA public TO ROLE chat_reader;
GRANT SELECT ON TABLE dim_date, dim_artist, dim_venue, dim_concert, fact_ticket_sales, fact_refunds,
    agg_daily_sales, agg_daily_venue_sales, agg_daily_artist_sales, agg_concert_sell_through,
    resolved_artist, resolved_venue, resolved_concert, entity_ids, entity_alias
    TO ROLE chat_reader;

-- Every chat statement is bounded: the workgroup's `chat` query queue (infra/stacks/warehouse.py,
-- wlm_json_configuration) takes the queries of this role and aborts any that runs past 30 s or
-- spills past 1 GB. Redshift sets statement_timeout per user, not per role; the chat's user
-- (IAMR:<the SQL tool's role>) is created at its first sign-in, so the admin also runs, once it
-- exists: ALTER USER "IAMR:<role name>" SET statement_timeout TO 30000;
