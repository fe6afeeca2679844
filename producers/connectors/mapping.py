"""Pure mapping helpers shared by connectors: stable ids and genre normalisation."""

from __future__ import annotations

import hashlib

GENRE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("hip hop", "hip-hop"), ("hip-hop", "hip-hop"), ("rap", "hip-hop"), ("jazz", "jazz"), ("classical", "classical"),
    ("opera", "opera"), ("country", "country"), ("latin", "latin"), ("reggaeton", "latin"), ("electro", "electronic"),
    ("edm", "electronic"), ("house", "electronic"), ("techno", "electronic"), ("rock", "rock"), ("metal", "rock"),
    ("punk", "rock"), ("pop", "pop"), ("musical", "musicals"), ("theatre", "plays"), ("theater", "plays"),
)


def stable_id(namespace: str, key: str) -> int:
    """A positive int id for an external key, stable across runs and connectors (1..2e9)."""
    digest = hashlib.sha256(f"{namespace}:{key.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 1_999_999_999 + 1


def normalise_genres(raw: list[str], limit: int = 5) -> list[str]:
    """Map free-form genre names onto the schema's genres, in order, without repeats ('other' if none)."""
    out: list[str] = []
    for name in raw:
        low = name.lower()
        genre = next((g for kw, g in GENRE_KEYWORDS if kw in low), None)
        if genre and genre not in out:
            out.append(genre)
    return out[:limit] or ["other"]
