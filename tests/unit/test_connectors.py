"""API connectors against recorded responses served by a local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from producers.connectors.http import ApiClient, ApiError, retry_after_seconds
from producers.connectors.mapping import normalise_genres, stable_id
from producers.connectors.spotify import SpotifyClient, artist_events
from producers.connectors.ticketmaster import TicketmasterClient, concert_events
from tests.fakes.api_server import RecordedApi, error


@pytest.fixture
def api() -> Iterator[RecordedApi]:
    server = RecordedApi().start()
    yield server
    server.stop()


class Sleeps:
    """Records the delays a client asked for instead of sleeping."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, s: float) -> None:
        self.delays.append(s)


def _spotify(api: RecordedApi, sleeps: Sleeps, **kw: object) -> SpotifyClient:
    api.route("/api/token", "spotify_token.json")
    return SpotifyClient(
        client_id="id",
        client_secret="secret",
        api_url=api.url,
        accounts_url=api.url,
        rate_per_s=1000,
        sleep=sleeps,
        **kw,
    )


def test_spotify_artists_become_events_and_bad_ones_are_skipped(api: RecordedApi) -> None:
    api.route("/v1/artists", "spotify_artists.json")

    async def run() -> list[dict[str, object]]:
        async with _spotify(api, Sleeps()) as client:
            return await client.artists(["0TnOYISbd1XYRBk9myaseg", "1vCWHaC5f2uS3yhpwWbIA6", "x", "4broken"])

    artists = asyncio.run(run())
    events, skipped = artist_events(artists, at=datetime(2026, 1, 1, tzinfo=UTC))
    assert [e.data.name for e in events] == ["Pitbull", "Avicii", "Sleepy Hollow Quartet"]
    assert events[0].data.genres == ["pop", "hip-hop"] and events[1].data.genres == ["electronic", "pop"]
    assert events[2].data.genres == ["other"]
    assert events[0].data.artist_id == stable_id("artist", "pitbull")
    assert skipped[0][0] == "4broken" and "popularity" in skipped[0][1]
    token_call = next(h for m, p, _q, h in api.requests if p == "/api/token")
    assert token_call["Authorization"].startswith("Basic ")
    artist_call = next(h for m, p, _q, h in api.requests if p == "/v1/artists")
    assert artist_call["Authorization"] == "Bearer BQC4YqJg-recorded-token"


def test_spotify_search_follows_next_links(api: RecordedApi) -> None:
    api.route("/v1/search", "spotify_search_page1.json", "spotify_search_page2.json")

    async def run() -> list[dict[str, object]]:
        async with _spotify(api, Sleeps()) as client:
            return await client.search_artists("jazz", limit=2)

    names = [a["name"] for a in asyncio.run(run())]
    assert names == ["Norah Jones", "Miles Davis", "Kamasi Washington"]
    assert len(api.calls("/v1/search")) == 2


def test_429_honours_retry_after_then_succeeds(api: RecordedApi) -> None:
    api.route("/v1/artists", error(429, "3"), error(503), "spotify_artists.json")
    sleeps = Sleeps()

    async def run() -> int:
        async with _spotify(api, sleeps, base_delay_s=0.5) as client:
            await client.artists(["a"])
            return client.retries

    assert asyncio.run(run()) == 2
    assert sleeps.delays[0] == 3.0, "Retry-After must be honoured"
    assert 0 <= sleeps.delays[1] <= 1.0, "second retry backs off exponentially (cap 0.5 * 2)"
    assert len(api.calls("/v1/artists")) == 3


def test_retry_after_is_capped_and_retries_are_bounded(api: RecordedApi) -> None:
    api.route("/v1/artists", error(429, "3600"))
    sleeps = Sleeps()

    async def run() -> None:
        async with _spotify(api, sleeps, max_attempts=3, max_retry_after_s=5.0) as client:
            await client.artists(["a"])

    with pytest.raises(ApiError, match="failed after 3 attempts"):
        asyncio.run(run())
    assert sleeps.delays == [5.0, 5.0]


def test_client_errors_are_not_retried(api: RecordedApi) -> None:
    api.route("/v1/artists", error(404))

    async def run() -> None:
        async with _spotify(api, Sleeps()) as client:
            await client.artists(["a"])

    with pytest.raises(ApiError, match="HTTP 404") as info:
        asyncio.run(run())
    assert info.value.status == 404 and len(api.calls("/v1/artists")) == 1


def test_connection_errors_are_retried_then_reported() -> None:
    sleeps = Sleeps()

    async def run() -> None:
        async with ApiClient(
            "http://127.0.0.1:9", max_attempts=2, rate_per_s=100, sleep=sleeps, timeout_s=1
        ) as c:
            await c.get_json("/x")

    with pytest.raises(ApiError, match="ConnectError"):
        asyncio.run(run())
    assert len(sleeps.delays) == 1


def test_credentials_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPOTIFY_CLIENT_ID", raising=False)
    monkeypatch.delenv("TICKETMASTER_API_KEY", raising=False)
    with pytest.raises(ApiError, match="SPOTIFY_CLIENT_ID"):
        SpotifyClient()
    with pytest.raises(ApiError, match="TICKETMASTER_API_KEY"):
        TicketmasterClient()
    monkeypatch.setenv("TICKETMASTER_API_KEY", "k")
    assert TicketmasterClient().api_key == "k"


def test_ticketmaster_pages_and_maps_events(api: RecordedApi) -> None:
    api.route("/discovery/v2/events.json", "ticketmaster_events_page0.json", "ticketmaster_events_page1.json")

    async def run() -> list[dict[str, object]]:
        async with TicketmasterClient(api_key="k", api_url=api.url, rate_per_s=1000) as client:
            return await client.events()

    tm = asyncio.run(run())
    calls = api.calls("/discovery/v2/events.json")
    assert [c["page"] for c in calls] == [["0"], ["1"]] and calls[0]["apikey"] == ["k"]
    events, skipped = concert_events(tm, capacity_by_venue={"toyota center": 18_300}, default_capacity=2_500)
    kinds = [e.event_type for e in events]
    assert kinds.count("ConcertScheduled") == 3 and kinds.count("VenueUpserted") == 3
    pitbull = next(e for e in events if e.event_type == "ConcertScheduled")
    assert pitbull.data.capacity == 18_300
    assert [str(t.price.amount) for t in pitbull.data.price_tiers] == ["39.50", "199.50"]
    assert pitbull.data.artist_id == stable_id("artist", "Pitbull")
    norah = [e for e in events if e.event_type == "ConcertScheduled"][1]
    assert len(norah.data.price_tiers) == 1
    assert skipped == [("Z7r9jZ1A7aAbc", "no start dateTime (TBA)")]


def test_retry_after_parsing() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert retry_after_seconds("7") == 7.0
    assert (
        retry_after_seconds(format_datetime(datetime(2026, 1, 1, 0, 0, 30, tzinfo=UTC), usegmt=True), now=now)
        == 30
    )
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_genre_mapping_and_stable_ids() -> None:
    assert normalise_genres(["k-pop", "reggaeton", "bebop", "scrap metal"]) == ["pop", "latin", "rock"]
    assert stable_id("artist", " Pitbull ") == stable_id("artist", "pitbull") != stable_id("venue", "pitbull")
    assert 1 <= stable_id("x", "y") <= 2_000_000_000
