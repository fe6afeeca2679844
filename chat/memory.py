"""Conversation memory: the last turns of a session (question, intent, slots, the answer's
first line), bounded in length, so a follow-up ("and in Ohio?") starts from the previous
question. Stored by session_table (DynamoDB, expiring). Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

MAX_TURNS = 10
TTL_SECONDS = 24 * 3600
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


class BadSession(ValueError):
    """A session id that is not 1-64 letters, digits or _ . : -."""


def check_session(session: str) -> str:
    """The session id, validated."""
    if not SESSION_ID.fullmatch(session or ""):
        raise BadSession(f"session must be 1-64 letters, digits or _ . : -, got {session!r}")
    return session


@dataclass
class Conversation:
    """The turns of one session, oldest first, at most MAX_TURNS."""

    session: str
    turns: list[dict[str, Any]] = field(default_factory=list)

    def previous(self) -> dict[str, Any] | None:
        """The slots (with the intent) of the last question that was understood."""
        for turn in reversed(self.turns):
            if turn.get("understood") and turn.get("slots") is not None:
                return {**turn["slots"], "intent": turn["intent"]}
        return None

    def answered(self) -> str:
        """The first line of the answer to the last question that was understood."""
        for turn in reversed(self.turns):
            if turn.get("understood") and turn.get("slots") is not None:
                return str(turn.get("answer") or "")
        return ""

    def missed(self) -> str | None:
        """The last question, if it was not understood (the planner decides whether it named a
        new subject, which breaks the chain: "and for all of 2025?" after a misread "same thing
        for Dayton?" is about Dayton, not about the question before)."""
        turn = self.turns[-1] if self.turns else None
        return str(turn.get("question") or "") if turn and not turn.get("understood") else None

    def add(self, question: str, intent: str, slots: dict[str, Any], answer: str, understood: bool) -> None:
        """Remember a turn, forgetting the oldest beyond MAX_TURNS."""
        self.turns.append(
            {
                "question": question[:1000],
                "intent": intent,
                "slots": slots,
                "answer": answer.splitlines()[0][:500] if answer else "",
                "understood": understood,
            }
        )
        del self.turns[:-MAX_TURNS]
