"""The ground floor: what runs the platform on one machine and what makes its clients.

The boto3 client factory (`clients`), the local cloud (ministack and its patches), the managed
processes the CLI starts (the local cloud, the warehouse endpoint and its Data API over DuckDB,
the KCL worker, the dashboard's web server). It imports nothing else of the project, so every
other package may import it (tests/unit/test_import_layers.py holds it to that).
"""
