"""Spotify-style artist metadata: client-credentials token, /v1/artists and /v1/search.

Credentials from SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET; endpoints from SPOTIFY_API_URL
and SPOTIFY_ACCOUNTS_URL (defaults: the public ones). Artists become ArtistUpserted events
whose id is `stable_id("artist", name)`, the key the Ticketmaster connector uses too.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from typing import Any

from producers.connectors.http import ApiClient, ApiError
from producers.connectors.mapping import normalise_genres, skip_reason, stable_id
from schemas import ArtistUpserted, Envelope, InvalidEvent, new_event

SOURCE = "connector:spotify"


class SpotifyClient(ApiClient):
    """Artist lookups with a cached bearer token, refreshed before it expires."""

    name = "spotify"

    def __init__(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        api_url: str | None = None,
        accounts_url: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(api_url or os.environ.get("SPOTIFY_API_URL", "https://api.spotify.com"), **kwargs)
        self.client_id = client_id or os.environ.get("SPOTIFY_CLIENT_ID", "")
        self.client_secret = client_secret or os.environ.get("SPOTIFY_CLIENT_SECRET", "")
        if not self.client_id or not self.client_secret:
            raise ApiError("spotify: set SPOTIFY_CLIENT_ID and SPOTIFY_CLIENT_SECRET")
        self.accounts_url = (
            accounts_url or os.environ.get("SPOTIFY_ACCOUNTS_URL", "https://accounts.spotify.com")
        ).rstrip("/")
        self._token: str | None = None
        self._expires = 0.0

    async def auth_headers(self) -> dict[str, str]:
        """Bearer token from the client-credentials flow."""
        if self._token is None or time.monotonic() > self._expires - 30:
            resp = await self.http.post(
                f"{self.accounts_url}/api/token",
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
            )
            if resp.status_code != 200:
                raise ApiError(
                    f"spotify: token request failed with HTTP {resp.status_code}", resp.status_code
                )
            body = resp.json()
            self._token = body["access_token"]
            self._expires = time.monotonic() + float(body.get("expires_in", 3600))
        return {"Authorization": f"Bearer {self._token}"}

    async def artists(self, ids: list[str]) -> list[dict[str, Any]]:
        """Artists by Spotify id (batched by 50, the API's limit)."""
        out: list[dict[str, Any]] = []
        for i in range(0, len(ids), 50):
            body = await self.get_json("/v1/artists", ids=",".join(ids[i : i + 50]))
            out.extend(a for a in body.get("artists", []) if a)
        return out

    async def search_artists(
        self, query: str, *, limit: int = 50, max_pages: int = 4
    ) -> list[dict[str, Any]]:
        """Artists matching a query, following `next` links up to `max_pages`."""
        out: list[dict[str, Any]] = []
        body = await self.get_json("/v1/search", q=query, type="artist", limit=limit)
        for _ in range(max_pages):
            page = body.get("artists", {})
            out.extend(page.get("items", []))
            if not page.get("next"):
                break
            body = await self.get_json(page["next"])
        return out


def artist_events(
    artists: list[dict[str, Any]], *, at: datetime | None = None
) -> tuple[list[Envelope[Any]], list[tuple[str, str]]]:
    """Map Spotify artist objects to ArtistUpserted events; also return (id, reason) of skipped ones."""
    events: list[Envelope[Any]] = []
    skipped: list[tuple[str, str]] = []
    at = at or datetime.now(UTC)
    for a in artists:
        try:
            payload = ArtistUpserted(
                artist_id=stable_id("artist", a["name"]),
                name=a["name"],
                genres=normalise_genres(a.get("genres", [])),
                popularity=int(a.get("popularity", -1)),
            )
            events.append(new_event(payload, source=SOURCE, occurred_at=at))
        except (KeyError, TypeError, ValueError, InvalidEvent) as err:
            skipped.append((str(a.get("id")), skip_reason(err)))
    return events, skipped
