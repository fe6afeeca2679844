"""Seeded, reproducible synthetic workload of the live-concert business.

The same seed and scale always give the same events, event ids included, so a replayed
workload deduplicates downstream. Real TICKIT venues (names, cities, seat counts) and
performers seed the catalog; the rest is drawn from distributions:

- artist popularity is long-tailed (Zipf-like rank curve plus noise);
- concerts fall on weekends more than weekdays and in summer more than winter;
- demand grows with popularity and shrinks with venue size; sell-outs happen when demand
  exceeds the seats on sale; orders are mostly one to four tickets in weighted price tiers;
- a small share of orders is refunded and of concerts updated or cancelled (all their
  sales then refunded).

Volumes stay laptop-sized while capacities stay real: each concert puts on sale the
*allocation* this platform's ticketing channel holds, a share of the venue's capacity
(`Spec.inventory_share`, chosen so the sales target fits). `Workload.truth` keeps the
latent demand, allocation, sell-through and customer tastes for model evaluation.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import random
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from producers.catalog import Catalog, CatalogVenue, load_catalog
from producers.variants import variant_name
from schemas import (
    ArtistUpserted,
    ConcertCancelled,
    ConcertScheduled,
    ConcertUpdated,
    Envelope,
    Money,
    PriceTier,
    TicketRefunded,
    TicketSold,
    VenueUpserted,
    new_event,
)
from schemas.payloads import MAX_CAPACITY

SOURCE = "synthetic"
EXTRA_GENRES = ("pop", "rock", "hip-hop", "electronic", "country", "latin", "jazz", "rock", "pop")
VENUE_KINDS = {  # kind -> (min seats, max seats)
    "Club": (300, 1_200),
    "Ballroom": (800, 2_500),
    "Theater": (1_200, 3_500),
    "Music Hall": (1_500, 4_000),
    "Amphitheater": (5_000, 20_000),
    "Pavilion": (4_000, 12_000),
    "Arena": (12_000, 20_000),
}
NAME_WORDS_A = (
    "Velvet",
    "Electric",
    "Midnight",
    "Golden",
    "Neon",
    "Silver",
    "Wild",
    "Crimson",
    "Lunar",
    "Paper",
    "Iron",
    "Static",
    "Hollow",
    "Young",
    "Northern",
    "Broken",
    "Glass",
    "Atomic",
    "Honey",
    "Cosmic",
)
NAME_WORDS_B = (
    "Foxes",
    "Rivers",
    "Echoes",
    "Pilots",
    "Horses",
    "Lanterns",
    "Saints",
    "Wolves",
    "Tides",
    "Ghosts",
    "Satellites",
    "Kings",
    "Parade",
    "Harbor",
    "Sparrows",
    "Machines",
    "Orchestra",
    "Collective",
    "Trio",
    "Club",
)
TIERS: tuple[tuple[str, float, float], ...] = (  # tier, share of seats, price multiplier
    ("upper", 0.35, 0.7),
    ("lower", 0.30, 1.0),
    ("floor", 0.25, 1.4),
    ("vip", 0.10, 3.0),
)
WEEKDAY_WEIGHT = (0.55, 0.6, 0.75, 0.95, 1.5, 1.7, 1.0)  # Monday .. Sunday
CHANNELS = ("web", "mobile", "box_office", "partner")
CHANNEL_WEIGHTS = (0.5, 0.35, 0.05, 0.10)
ORDER_SIZES = (1, 2, 3, 4, 5, 6)
ORDER_WEIGHTS = (22, 45, 12, 14, 4, 3)
ORDER_CUM = tuple(itertools.accumulate(ORDER_WEIGHTS))
CHANNEL_CUM = tuple(itertools.accumulate(CHANNEL_WEIGHTS))


@dataclass(frozen=True)
class Spec:
    """How big a workload to make and over which dates."""

    artists: int = 1_000
    venues: int = 500
    concerts: int = 10_000
    ticket_sales: int = 52_000
    customers: int = 20_000
    seed: int = 42
    start: datetime = datetime(2025, 1, 1, tzinfo=UTC)
    days: int = 540
    refund_rate: float = 0.03
    update_rate: float = 0.05
    cancel_rate: float = 0.01
    inventory_share: float | None = None  # None: derived from the sales target
    # This share of the artists and venues is also published by a second source ("feed") under
    # its own ids and names written its own way (producers/variants.py), and about half of their
    # concerts name the feed's ids: the same performer or venue from two sources, for entity
    # resolution. The feed also lists half the shows whose artist and venue it knows, under its
    # own concert id and a start up to 90 minutes off, and 30% of those shows' sales name its
    # listing. Out of the repr, so the default workload's event ids stay what they were.
    second_source: float = field(default=0.0, repr=False)

    @property
    def approx_events(self) -> int:
        """About how many events this spec yields (catalog, concerts, sales, refunds, updates)."""
        concerts = self.concerts * (1 + self.update_rate + self.cancel_rate)
        return int(
            self.artists
            + self.venues
            + concerts
            + self.ticket_sales * (1 + self.refund_rate + self.cancel_rate)
        )

    def scaled(self, factor: float) -> Spec:
        """The same mix at `factor` times the volume (never below a tiny working catalog)."""
        return replace(
            self,
            artists=max(5, round(self.artists * factor)),
            venues=max(3, round(self.venues * factor)),
            concerts=max(5, round(self.concerts * factor)),
            ticket_sales=max(10, round(self.ticket_sales * factor)),
            customers=max(20, round(self.customers * factor)),
        )

    @classmethod
    def for_events(cls, n: int, seed: int = 42) -> Spec:
        """A spec of the default mix sized to yield at least `n` events."""
        base = cls(seed=seed)
        return base.scaled(n / base.approx_events * 1.06)


@dataclass
class Workload:
    """The events in time order and the ground truth behind them."""

    events: list[Envelope[Any]]
    truth: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.events)


@dataclass
class _Artist:
    artist_id: int
    name: str
    genre: str
    popularity: int


@dataclass
class _Venue:
    venue_id: int
    name: str
    city: str
    state: str
    capacity: int


@dataclass
class _Concert:
    concert_id: int
    artist: _Artist
    venue: _Venue
    starts_at: datetime
    on_sale_at: datetime
    announced_at: datetime
    tiers: list[PriceTier]
    allocation: int
    attractiveness: float
    demand: float = 0.0
    sold: int = 0
    cancelled: bool = False


class _Ids:
    """Deterministic event ids from the workload's seed."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def __call__(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)


def _impute_seats(v: CatalogVenue, rng: random.Random) -> int:
    if v.seats > 0:
        return min(v.seats, MAX_CAPACITY)
    name = v.name.lower()
    lo, hi = (
        (40_000, 70_000)
        if any(k in name for k in ("stadium", "field", "park", "coliseum"))
        else (12_000, 20_000)
        if any(k in name for k in ("arena", "center", "centre", "garden"))
        else (1_500, 3_500)
        if any(k in name for k in ("theatre", "theater", "hall", "playhouse", "opera"))
        else (2_000, 8_000)
    )
    return rng.randint(lo, hi)


def _venues(spec: Spec, catalog: Catalog, rng: random.Random) -> list[_Venue]:
    real = catalog.venues[: spec.venues]
    out = [_Venue(i + 1, v.name, v.city, v.state, _impute_seats(v, rng)) for i, v in enumerate(real)]
    cities = [(v.city, v.state) for v in catalog.venues] or [
        ("Austin", "TX"),
        ("Chicago", "IL"),
        ("Denver", "CO"),
    ]
    names = {v.name for v in out}
    while len(out) < spec.venues:
        city, state = rng.choice(cities)
        kind = rng.choice(list(VENUE_KINDS))
        name = f"{city} {kind}"
        n = 2
        while name in names:
            name, n = f"{city} {kind} {n}", n + 1
        names.add(name)
        lo, hi = VENUE_KINDS[kind]
        out.append(_Venue(len(out) + 1, name, city, state, rng.randint(lo, hi)))
    return out


def _artists(spec: Spec, catalog: Catalog, rng: random.Random) -> list[_Artist]:
    performers = list(catalog.performers)
    rng.shuffle(performers)
    out: list[_Artist] = []
    names: set[str] = set()
    for i in range(spec.artists):
        if i < len(performers):
            name, genre = performers[i].name, performers[i].genre
        else:
            name = f"{rng.choice(NAME_WORDS_A)} {rng.choice(NAME_WORDS_B)}"
            n = 2
            while name in names:
                name, n = f"{name.rsplit(' #', 1)[0]} #{n}", n + 1
            genre = rng.choice(EXTRA_GENRES)
        names.add(name)
        out.append(_Artist(i + 1, name, genre, 0))
    # Long tail: popularity follows a rank curve (Zipf-like) with noise, ranks shuffled over artists.
    ranks = list(range(1, spec.artists + 1))
    rng.shuffle(ranks)
    for a, r in zip(out, ranks, strict=True):
        score = 100 * (r**-0.55) + rng.gauss(0, 4)
        a.popularity = max(1, min(100, round(score + 8)))
    return out


def _season(day: datetime) -> float:
    """Summer peak, winter trough."""
    return 1.0 + 0.35 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 100) / 365)


def _concerts(spec: Spec, artists: list[_Artist], venues: list[_Venue], rng: random.Random) -> list[_Concert]:
    weights = [a.popularity**1.2 for a in artists]
    venue_share = spec.inventory_share
    picked_artists = rng.choices(artists, weights=weights, k=spec.concerts)
    days = list(range(spec.days))
    day_weights = [
        WEEKDAY_WEIGHT[(spec.start + timedelta(d)).weekday()] * _season(spec.start + timedelta(d))
        for d in days
    ]
    picked_days = rng.choices(days, weights=day_weights, k=spec.concerts)
    concerts: list[_Concert] = []
    for i, (artist, d) in enumerate(zip(picked_artists, picked_days, strict=True)):
        # Popular artists play bigger rooms.
        candidates = rng.sample(venues, k=min(4, len(venues)))
        candidates.sort(key=lambda v: v.capacity)
        venue = candidates[min(len(candidates) - 1, int(artist.popularity / 101 * len(candidates)))]
        starts = (spec.start + timedelta(days=d)).replace(
            hour=rng.choice((19, 19, 20, 20, 21)), minute=rng.choice((0, 30))
        )
        on_sale = starts - timedelta(days=rng.randint(30, 120))
        announced = on_sale - timedelta(days=rng.randint(3, 21))
        pop = artist.popularity / 100
        attractiveness = (
            (0.25 + 1.6 * pop**1.3)
            * WEEKDAY_WEIGHT[starts.weekday()]
            * _season(starts)
            * (venue.capacity / 5_000) ** -0.18
            * math.exp(rng.gauss(0, 0.35))
        )
        concerts.append(_Concert(i + 1, artist, venue, starts, on_sale, announced, [], 0, attractiveness))
    # Allocation: a share of capacity sized so that the sales target is reachable (~1.6x headroom).
    mean_qty = sum(q * w for q, w in zip(ORDER_SIZES, ORDER_WEIGHTS, strict=True)) / sum(ORDER_WEIGHTS)
    target_tickets = spec.ticket_sales * mean_qty
    total_capacity = sum(c.venue.capacity for c in concerts)
    share = venue_share or min(1.0, 1.6 * target_tickets / total_capacity)
    for c in concerts:
        c.allocation = max(8, round(c.venue.capacity * share))
        base = Decimal(25 + 95 * (c.artist.popularity / 100) ** 1.5) * Decimal(
            str(round(rng.uniform(0.85, 1.2), 2))
        )
        tiers, left = [], c.allocation
        for j, (tier, frac, mult) in enumerate(TIERS):
            seats = left if j == len(TIERS) - 1 else max(1, round(c.allocation * frac))
            seats = min(seats, left - (len(TIERS) - 1 - j))
            if seats <= 0:
                continue
            left -= seats
            price = (base * Decimal(str(mult))).quantize(Decimal("1")) - Decimal("0.01")
            tiers.append(PriceTier(tier=tier, price=Money(amount=price), seats=seats))
        c.tiers = tiers
        c.allocation = sum(t.seats for t in tiers)
    # Scale demand so that expected sold tickets meet the target (bisection on a global factor).
    lo, hi = 0.0, 50.0
    for _ in range(40):
        k = (lo + hi) / 2
        sold = sum(min(c.allocation, k * c.attractiveness * c.allocation) for c in concerts)
        lo, hi = (k, hi) if sold < target_tickets else (lo, k)
    for c in concerts:
        c.demand = hi * c.attractiveness * c.allocation
    return concerts


def _customers(spec: Spec, venues: list[_Venue], rng: random.Random) -> list[dict[str, Any]]:
    states = sorted({v.state for v in venues})
    genres = sorted(set(EXTRA_GENRES) | {"musicals", "plays", "opera", "classical"})
    return [
        {
            "customer_id": i + 1,
            "state": rng.choice(states),
            "genres": rng.sample(genres, k=2),
            "activity": rng.paretovariate(1.6),
        }
        for i in range(spec.customers)
    ]


def _sale_times(c: _Concert, n: int, rng: random.Random) -> list[datetime]:
    """On-sale spike, a slow middle and a ramp before the show."""
    window = (c.starts_at - c.on_sale_at).total_seconds() - 3600
    times = []
    for _ in range(n):
        u = rng.random()
        frac = rng.betavariate(0.6, 3.0) * 0.15 if u < 0.35 else rng.betavariate(3.0, 1.2)
        times.append(c.on_sale_at + timedelta(seconds=frac * window))
    return sorted(times)


SECOND_SOURCE = "feed"
SECOND_SOURCE_IDS = 1_000_000_000  # the feed's ids: its own range, as a source's hashed ids are


def _identity(spec: Spec) -> str:
    """What the event ids derive from: the spec, with the second source only when there is one."""
    return repr(spec) + (f"second_source={spec.second_source}" if spec.second_source else "")


@dataclass
class _Twins:
    """The second source's catalog events and the concerts that name its ids."""

    catalog: list[ArtistUpserted | VenueUpserted] = field(default_factory=list)
    concerts: dict[int, tuple[int, int]] = field(default_factory=dict)  # concert -> (artist, venue)
    # concert -> the feed's listing of the same show: its own concert id, starting minutes later
    shows: dict[int, tuple[int, int]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)  # which sales name the feed's listing


def _second_source(
    spec: Spec, artists: list[_Artist], venues: list[_Venue], concerts: list[_Concert]
) -> _Twins:
    """A second source for `spec.second_source` of the artists and venues (its own random
    stream: the first source's workload is unchanged by it)."""
    twins = _Twins()
    if spec.second_source <= 0:
        return twins
    rng = random.Random(f"second-source:{spec.seed}")
    twin_artists = {a.artist_id for a in artists if rng.random() < spec.second_source}
    twin_venues = {v.venue_id for v in venues if rng.random() < spec.second_source}
    for a in (a for a in artists if a.artist_id in twin_artists):
        name = variant_name(a.name, "artist", rng).strip()[:200] or a.name
        twins.catalog.append(
            ArtistUpserted(
                artist_id=SECOND_SOURCE_IDS + a.artist_id,
                name=name,
                genres=[a.genre],
                popularity=a.popularity,
                country="US",
            )
        )
    for v in (v for v in venues if v.venue_id in twin_venues):
        name = variant_name(v.name, "venue", rng).strip()[:200] or v.name
        twins.catalog.append(
            VenueUpserted(
                venue_id=SECOND_SOURCE_IDS + v.venue_id,
                name=name,
                city=v.city,
                state=v.state,
                capacity=v.capacity,
            )
        )
    for c in concerts:
        a_id, v_id = c.artist.artist_id, c.venue.venue_id
        named = (
            a_id + (SECOND_SOURCE_IDS if a_id in twin_artists and rng.random() < 0.5 else 0),
            v_id + (SECOND_SOURCE_IDS if v_id in twin_venues and rng.random() < 0.5 else 0),
        )
        if named != (a_id, v_id):
            twins.concerts[c.concert_id] = named
    # The feed also lists half the shows whose artist and venue it knows (its own stream again:
    # the concerts above are as they were), a listing's start up to 90 minutes off the show's.
    shows = random.Random(f"second-source-shows:{spec.seed}")
    for c in concerts:
        if c.artist.artist_id in twin_artists and c.venue.venue_id in twin_venues and shows.random() < 0.5:
            twins.shows[c.concert_id] = (SECOND_SOURCE_IDS + c.concert_id, shows.choice((0, 15, 30, 60, 90)))
    twins.rng = random.Random(f"second-source-sales:{spec.seed}")
    return twins


def _feed_show(c: _Concert, twins: _Twins) -> ConcertScheduled:
    """The feed's listing of concert `c` (in `twins.shows`): its own ids, the same tiers."""
    concert_id, minutes = twins.shows[c.concert_id]
    return ConcertScheduled(
        concert_id=concert_id,
        artist_id=SECOND_SOURCE_IDS + c.artist.artist_id,
        venue_id=SECOND_SOURCE_IDS + c.venue.venue_id,
        starts_at=c.starts_at + timedelta(minutes=minutes),
        on_sale_at=c.on_sale_at,
        price_tiers=c.tiers,
    )


def generate(spec: Spec | None = None, catalog: Catalog | None = None) -> Workload:
    """Make the workload of `spec` (default scale) from the real catalog; same spec, same events."""
    spec = spec or Spec()
    rng = random.Random(spec.seed)
    # Ids depend on the whole spec: another scale with the same seed is another workload, so
    # its events must not reuse ids (downstream deduplicates by event id).
    ids = _Ids(random.Random(hashlib.sha256(_identity(spec).encode()).digest()))
    catalog = catalog if catalog is not None else load_catalog()
    venues = _venues(spec, catalog, rng)
    artists = _artists(spec, catalog, rng)
    concerts = _concerts(spec, artists, venues, rng)
    customers = _customers(spec, venues, rng)
    twins = _second_source(spec, artists, venues, concerts)
    by_state: dict[str, list[dict[str, Any]]] = {}
    for cust in customers:
        by_state.setdefault(cust["state"], []).append(cust)
    cust_cum = list(itertools.accumulate(c["activity"] for c in customers))

    timed: list[tuple[datetime, int, Envelope[Any]]] = []
    seq = 0

    def emit(at: datetime, payload: Any) -> None:
        nonlocal seq
        timed.append((at, seq, new_event(payload, source=SOURCE, occurred_at=at, event_id=ids())))
        seq += 1

    epoch = spec.start - timedelta(days=200)
    for a in artists:
        emit(
            epoch,
            ArtistUpserted(
                artist_id=a.artist_id,
                name=a.name,
                genres=[a.genre],
                popularity=a.popularity,
                country="US",
            ),
        )
    for v in venues:
        emit(
            epoch,
            VenueUpserted(venue_id=v.venue_id, name=v.name, city=v.city, state=v.state, capacity=v.capacity),
        )
    for payload in twins.catalog:
        timed.append(
            (epoch, seq, new_event(payload, source=SECOND_SOURCE, occurred_at=epoch, event_id=ids()))
        )
        seq += 1
    for c in concerts:
        artist_id, venue_id = twins.concerts.get(c.concert_id, (c.artist.artist_id, c.venue.venue_id))
        emit(
            c.announced_at,
            ConcertScheduled(
                concert_id=c.concert_id,
                artist_id=artist_id,
                venue_id=venue_id,
                starts_at=c.starts_at,
                on_sale_at=c.on_sale_at,
                price_tiers=c.tiers,
            ),
        )
        if c.concert_id in twins.shows:
            at = c.announced_at + timedelta(minutes=1)
            timed.append(
                (
                    at,
                    seq,
                    new_event(_feed_show(c, twins), source=SECOND_SOURCE, occurred_at=at, event_id=ids()),
                )
            )
            seq += 1

    # Sales: quantities mostly 1-4; tier picked by its remaining seats; stop when sold out or demand met.
    sale_id = refund_id = 0
    sales_by_concert: dict[int, list[tuple[int, int, int, str, Decimal, datetime]]] = {}
    named: dict[int, int] = {}  # sale -> the feed's listing it was sold through (its refund names it too)
    for c in concerts:
        target = min(c.allocation, round(c.demand * math.exp(rng.gauss(0, 0.08))))
        remaining = {t.tier: t.seats for t in c.tiers}
        prices: dict[str, Decimal] = {t.tier: t.price.amount for t in c.tiers}
        orders: list[tuple[int, str]] = []
        sold = 0
        while sold < target:
            qty = min(rng.choices(ORDER_SIZES, cum_weights=ORDER_CUM)[0], target - sold)
            open_tiers = [t for t, left in remaining.items() if left >= qty]
            if not open_tiers:
                break
            tier = rng.choices(open_tiers, weights=[remaining[t] for t in open_tiers])[0]
            remaining[tier] -= qty
            sold += qty
            orders.append((qty, tier))
        c.sold = sold
        local = by_state.get(c.venue.state) or customers
        for (qty, order_tier), at in zip(orders, _sale_times(c, len(orders), rng), strict=True):
            pool = (
                rng.choices(local, k=4)
                if rng.random() < 0.8
                else rng.choices(customers, cum_weights=cust_cum, k=4)
            )
            cust = next((p for p in pool if c.artist.genre in p["genres"]), pool[0])
            sale_id += 1
            channel = rng.choices(CHANNELS, cum_weights=CHANNEL_CUM)[0]
            if c.concert_id in twins.shows and twins.rng.random() < 0.3:
                named[sale_id] = twins.shows[c.concert_id][0]
            emit(
                at,
                TicketSold(
                    sale_id=sale_id,
                    concert_id=named.get(sale_id, c.concert_id),
                    customer_id=cust["customer_id"],
                    tier=order_tier,
                    quantity=qty,
                    unit_price=Money(amount=prices[order_tier]),
                    channel=channel,
                ),
            )
            sales_by_concert.setdefault(c.concert_id, []).append(
                (sale_id, cust["customer_id"], qty, order_tier, prices[order_tier], at)
            )

    for c in concerts:
        sales = sales_by_concert.get(c.concert_id, [])
        roll = rng.random()
        if roll < spec.cancel_rate:
            c.cancelled = True
            at = c.starts_at - timedelta(days=rng.randint(1, 10))
            emit(at, ConcertCancelled(concert_id=c.concert_id, reason="artist illness"))
            for sid, cust_id, qty, _tier, price, sold_at in sales:
                refund_id += 1
                emit(
                    max(at, sold_at) + timedelta(hours=1),
                    TicketRefunded(
                        refund_id=refund_id,
                        sale_id=sid,
                        concert_id=named.get(sid, c.concert_id),
                        customer_id=cust_id,
                        quantity=qty,
                        amount=Money(amount=price * qty),
                        reason="concert_cancelled",
                    ),
                )
            continue
        if roll < spec.cancel_rate + spec.update_rate:
            if rng.random() < 0.5:
                emit(
                    c.on_sale_at - timedelta(days=1),
                    ConcertUpdated(concert_id=c.concert_id, starts_at=c.starts_at + timedelta(hours=1)),
                )
            else:
                emit(
                    c.on_sale_at - timedelta(days=1),
                    ConcertUpdated(concert_id=c.concert_id, price_tiers=c.tiers),
                )
        for sid, cust_id, qty, _tier, price, sold_at in sales:
            if rng.random() < spec.refund_rate:
                refund_id += 1
                back = rng.randint(1, qty)
                emit(
                    sold_at + timedelta(days=rng.randint(1, 7)),
                    TicketRefunded(
                        refund_id=refund_id,
                        sale_id=sid,
                        concert_id=named.get(sid, c.concert_id),
                        customer_id=cust_id,
                        quantity=back,
                        amount=Money(amount=price * back),
                    ),
                )

    timed.sort(key=lambda t: (t[0], t[1]))
    truth = {
        "spec": {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in spec.__dict__.items()},
        "concerts": {
            c.concert_id: {
                "artist_id": c.artist.artist_id,
                "venue_id": c.venue.venue_id,
                "allocation": c.allocation,
                "demand": round(c.demand, 2),
                "sold": c.sold,
                "sold_out": c.sold >= c.allocation,
                "cancelled": c.cancelled,
                "attractiveness": round(c.attractiveness, 4),
            }
            for c in concerts
        },
        "customers": {c["customer_id"]: {"state": c["state"], "genres": c["genres"]} for c in customers},
    }
    return Workload([e for _, _, e in timed], truth)


def events_for(
    n: int, seed: int = 42, catalog: Catalog | None = None, *, second_source: float = 0.0
) -> Iterator[Envelope[Any]]:
    """Exactly `n` events of the default mix, in time order, scaled to `n` (and reproducible);
    `second_source`: that share of the catalog also from a second source (`Spec.second_source`)."""
    spec = replace(Spec.for_events(n, seed=seed), second_source=second_source)
    while True:
        wl = generate(spec, catalog)
        if len(wl) >= n:
            yield from wl.events[:n]
            return
        spec = spec.scaled(1.2)


def as_live_feed(
    events: Iterable[Envelope[Any]], clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Iterator[Envelope[Any]]:
    """The events as a live feed sends them: each one's `occurred_at` is the moment it is taken
    (a paced producer takes an event when it sends it). The workload itself replays history:
    a second of it spans hours of event time, so each sale opens its own minute bucket."""
    for event in events:
        yield event.model_copy(update={"occurred_at": clock()})
