"""Task functions of the ETL workflow (state_machines/etl.asl.json), one module per task."""
