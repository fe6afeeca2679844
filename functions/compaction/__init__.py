"""Task functions of the lake compaction workflow (state_machines/compaction.asl.json)."""
