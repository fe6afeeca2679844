"""Is an incoming concert a show the platform already knows from another source? Pure.

Concerts follow their artists and venues: two sources' concerts are the same show when they
name the same artist and the same venue (as entity resolution decided them, so two sources'
ids of one performer agree) and start within `Policy.window` of each other (a listing's door
time against another's show time). One such show of another source merges; two or more go to
review (a person decides which, if any); none makes a new show. A source's own concerts are
distinct by its own word (a residency plays the same room on many nights, and two sets a night).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from consumers.entities.resolve import Verdict


@dataclass(frozen=True)
class Show:
    """A concert as one source published it, its artist and venue as entities."""

    concert_id: int
    source: str
    artist_id: int
    venue_id: int
    starts_at: datetime


@dataclass(frozen=True)
class ShowDecision:
    """A concert's verdict and the show it names (MERGE: the match; REVIEW: the nearest)."""

    show: Show
    verdict: Verdict
    concert_id: int | None
    score: float
    reason: str


@dataclass(frozen=True)
class ShowPolicy:
    """How far apart two listings of one show may start."""

    window: timedelta = timedelta(hours=3)


class ShowResolver:
    """Decides concerts against the known shows, indexed by artist and venue."""

    def __init__(self, known: Iterable[Show] = (), policy: ShowPolicy | None = None) -> None:
        self.policy = policy or ShowPolicy()
        self._shows: dict[tuple[int, int], list[Show]] = defaultdict(list)
        for show in known:
            self.add(show)

    def add(self, show: Show) -> None:
        """Know `show` (a canonical one) from now on."""
        self._shows[(show.artist_id, show.venue_id)].append(show)

    def resolve(self, show: Show) -> ShowDecision:
        """The verdict on `show`: merged into the one show of another source that matches,
        to review when several do, else new."""
        window = self.policy.window
        candidates = sorted(
            (
                (abs(known.starts_at - show.starts_at), known)
                for known in self._shows[(show.artist_id, show.venue_id)]
                if known.source != show.source and abs(known.starts_at - show.starts_at) <= window
            ),
            key=lambda pair: (pair[0], pair[1].concert_id),
        )
        if not candidates:
            return ShowDecision(show, Verdict.NEW, None, 0.0, "no show of another source matches")
        apart, nearest = candidates[0]
        minutes = apart.total_seconds() / 60
        score = round(100 * (1 - apart / window), 2) if window else 100.0
        if len(candidates) > 1:
            return ShowDecision(
                show, Verdict.REVIEW, nearest.concert_id, score,
                f"{len(candidates)} shows of the same artist and venue start within {window}",
            )  # fmt: skip
        return ShowDecision(
            show, Verdict.MERGE, nearest.concert_id, score,
            f"same artist and venue, starts {minutes:.0f} min apart",
        )  # fmt: skip


def decide_shows(
    unresolved: Iterable[Show], known: Iterable[Show], policy: ShowPolicy | None = None
) -> list[ShowDecision]:
    """The verdict on each unresolved concert, in order; a new show is known to those after it."""
    resolver = ShowResolver(known, policy)
    out = []
    for show in unresolved:
        decision = resolver.resolve(show)
        if decision.verdict is not Verdict.MERGE:
            resolver.add(show)
        out.append(decision)
    return out
