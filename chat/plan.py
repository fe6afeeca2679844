"""A plan: what the question asks (intent and slots), the tool calls that answer it, or the
plain reply when nothing can. JSON in and out: plans travel through the workflow's states."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from chat.memory import Conversation

TOOLS = (
    "query_warehouse", "predict_sales", "recommend_concerts", "rank_venues", "pipeline_status",
    "explain_schema",
)  # fmt: skip


@dataclass(frozen=True)
class ToolCall:
    """One tool and its arguments (validated again by the tool itself)."""

    tool: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    """The planner's answer to a question. `slots` are remembered for follow-ups; `reply` is
    said when there is no call to make (a greeting, a question the planner cannot answer).
    `parts` holds each call's own intent and slots when one question asked two things
    (`chat.two_questions`); empty otherwise."""

    intent: str
    calls: list[ToolCall] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)
    reply: str | None = None
    understood: bool = True
    planner: str = "deterministic"
    parts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form (the workflow's state)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Plan:
        """Inverse of to_dict."""
        calls = [ToolCall(c["tool"], dict(c.get("args") or {})) for c in d.get("calls", [])]
        return cls(
            intent=str(d["intent"]),
            calls=calls,
            slots=dict(d.get("slots") or {}),
            reply=d.get("reply"),
            understood=bool(d.get("understood", True)),
            planner=str(d.get("planner", "deterministic")),
            parts=[dict(p) for p in d.get("parts") or []],
        )


def cannot(reason: str, *, planner: str = "deterministic") -> Plan:
    """A plan that says plainly what could not be answered."""
    return Plan(intent="unknown", reply=reason, understood=False, planner=planner)


class Planner(Protocol):
    """Turns a question (with the data clock and the conversation so far) into a plan."""

    name: str

    def plan(self, question: str, clock: datetime | None, memory: Conversation | None = None) -> Plan: ...
