"""Connectors to external artist and event APIs (Spotify-style, Ticketmaster-style)."""
