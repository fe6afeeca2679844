"""The ETL workflow's domain: batch manifests, data-quality gates and the events it emits (pure)."""
