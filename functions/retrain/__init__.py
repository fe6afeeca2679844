"""Task functions of the retraining workflow (state_machines/retrain.asl.json)."""
