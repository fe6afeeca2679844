"""The warehouse: star schema (Redshift SQL), the Data API client and the bulk loader."""
