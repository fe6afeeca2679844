"""Test doubles of the platform's ports (no network)."""
