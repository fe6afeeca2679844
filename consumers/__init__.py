"""Consumers: the shared core (decode, validate, enrich, route) and its KCL and Lambda adapters."""
