"""A local Redshift Data API endpoint over a DuckDB file, for the embedded default."""
