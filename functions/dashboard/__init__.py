"""The dashboard's back end: WebSocket API (connect, subscribe, broadcast) and HTTP API."""
