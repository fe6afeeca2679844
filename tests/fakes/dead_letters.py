"""An in-memory dead-letter sink (the pipeline's `DeadLetterSink` port)."""

from __future__ import annotations

from consumers.dead_letter import DeadLetter


class MemoryDeadLetters:
    """Keeps every letter sent, in order; with `expected=False` a letter fails the test."""

    def __init__(self, *, expected: bool = True) -> None:
        self.letters: list[DeadLetter] = []
        self.expected = expected

    def send(self, letters: list[DeadLetter]) -> None:
        """Keep the letters (an AssertionError for any letter when none is expected)."""
        assert self.expected or not letters, [d.reason for d in letters]
        self.letters.extend(letters)
