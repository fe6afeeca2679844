"""The real TICKIT catalog (venues, performers, categories) as validated reference data.

The catalog is external input: rows that do not parse are skipped and counted, not trusted.
Seat counts of 0 mean "unknown" in the export; callers impute them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Category id -> genre of the payload schema (Sports categories are not concerts: skipped).
CATEGORY_GENRES = {6: "musicals", 7: "plays", 8: "opera", 9: "pop", 10: "jazz", 11: "classical"}


@dataclass(frozen=True)
class CatalogVenue:
    """A real venue: name, city, state and seats (0 = unknown)."""

    venue_id: int
    name: str
    city: str
    state: str
    seats: int


@dataclass(frozen=True)
class CatalogPerformer:
    """A real performer or show and its genre."""

    name: str
    genre: str


@dataclass
class Catalog:
    """Venues and performers read from the TICKIT export, with what was skipped."""

    venues: list[CatalogVenue] = field(default_factory=list)
    performers: list[CatalogPerformer] = field(default_factory=list)
    skipped_rows: int = 0


def default_catalog_dir() -> Path:
    """`CONCERT_CATALOG_DIR`, else `shared/datasets/tickit-catalog` beside the repository."""
    env = os.environ.get("CONCERT_CATALOG_DIR")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for base in (here.parent / "shared", here / "shared"):
        cand = base / "datasets" / "tickit-catalog"
        if cand.is_dir():
            return cand
    return here.parent / "shared" / "datasets" / "tickit-catalog"


class CatalogMissing(FileNotFoundError):
    """The TICKIT catalog is not where it was looked for."""


def load_catalog(directory: Path | None = None) -> Catalog:
    """Read venue.txt and event.txt (pipe-delimited, no header); CatalogMissing if they are absent."""
    directory = directory or default_catalog_dir()
    cat = Catalog()
    venue_file, event_file = directory / "venue.txt", directory / "event.txt"
    if not venue_file.is_file() or not event_file.is_file():
        raise CatalogMissing(
            f"TICKIT catalog not found in {directory}: "
            "put shared/ beside the repository or set CONCERT_CATALOG_DIR"
        )
    for line in venue_file.read_text(encoding="utf-8").splitlines():
        try:
            vid, name, city, state, seats = line.split("|")
            if len(state) != 2 or not state.isalpha() or not name.strip() or not city.strip():
                raise ValueError(line)
            cat.venues.append(
                CatalogVenue(int(vid), name.strip(), city.strip(), state.upper(), max(0, int(seats)))
            )
        except ValueError:
            cat.skipped_rows += 1
    seen: set[str] = set()
    for line in event_file.read_text(encoding="utf-8").splitlines():
        parts = line.split("|")
        try:
            genre = CATEGORY_GENRES.get(int(parts[2]))
            name = parts[4].strip()
        except (IndexError, ValueError):
            cat.skipped_rows += 1
            continue
        if genre and name and name not in seen and len(name) <= 200:
            seen.add(name)
            cat.performers.append(CatalogPerformer(name, genre))
    cat.venues.sort(key=lambda v: v.venue_id)
    cat.performers.sort(key=lambda p: p.name)
    return cat
