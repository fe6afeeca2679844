"""Pure mapping helpers shared by connectors: stable ids and genre normalisation."""

from __future__ import annotations

import hashlib

from pydantic import ValidationError

GENRE_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("hip hop", "hip-hop"),
    ("rap", "hip-hop"),
    ("trap", "hip-hop"),
    ("jazz", "jazz"),
    ("classical", "classical"),
    ("opera", "opera"),
    ("country", "country"),
    ("latin", "latin"),
    ("reggaeton", "latin"),
    ("electro", "electronic"),
    ("edm", "electronic"),
    ("house", "electronic"),
    ("techno", "electronic"),
    ("rock", "rock"),
    ("metal", "rock"),
    ("punk", "rock"),
    ("pop", "pop"),
    ("musical", "musicals"),
    ("theatre", "plays"),
    ("theater", "plays"),
)


def stable_id(namespace: str, key: str) -> int:
    """A positive int id for an external key, stable across runs and connectors (1..2e9)."""
    digest = hashlib.sha256(f"{namespace}:{key.strip().lower()}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % 1_999_999_999 + 1


def normalise_genres(raw: list[str], limit: int = 5) -> list[str]:
    """Map free-form genre names onto the schema's genres by word prefix, in order, without repeats.

    'other' when nothing matches.
    """
    out: list[str] = []
    for name in raw:
        words = name.lower().replace("-", " ").split()
        phrase = " ".join(words)
        genre = next(
            (
                g
                for kw, g in GENRE_KEYWORDS
                if (" " in kw and kw in phrase) or any(w.startswith(kw) for w in words)
            ),
            None,
        )
        if genre and genre not in out:
            out.append(genre)
    return out[:limit] or ["other"]


def skip_reason(err: Exception) -> str:
    """One line saying why an external record could not become an event."""
    if isinstance(err, ValidationError):
        return "; ".join(f"{'.'.join(str(x) for x in e['loc'])}: {e['msg']}" for e in err.errors()[:3])
    return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
