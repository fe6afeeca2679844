"""The predictions HTTP API (API Gateway HTTP API → this Lambda)."""
