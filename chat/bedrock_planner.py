"""The planner on Amazon Bedrock: the Converse API with tool use. The model sees the schema,
the data clock and the conversation so far, and answers with toolUse blocks (the six tools'
JSON schemas); SQL it writes passes the same guard as every other plan's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chat import schema_doc, tools
from chat.memory import Conversation
from chat.plan import TOOLS, Plan, ToolCall, cannot

SYSTEM = """You answer questions about a live-concert business by calling tools.
The warehouse (Redshift SQL) holds these tables, readable with query_warehouse (one SELECT):
{schema}
"Now" for the data is {clock}: resolve relative dates ("last month") against it.
Use predict_sales, recommend_concerts and rank_venues for predictions, pipeline_status for the
platform's health, explain_schema for questions about the data itself. If no tool fits, say so
in one sentence."""


class BedrockPlanner:
    """Plans with a Bedrock model (any model with tool use, e.g. Anthropic Claude)."""

    name = "bedrock"

    def __init__(self, client: Any, model_id: str) -> None:
        self.client, self.model_id = client, model_id

    def plan(self, question: str, clock: datetime | None, memory: Conversation | None = None) -> Plan:
        """One Converse call; its toolUse blocks are the plan's calls."""
        schema = "\n".join(
            f"- {name}({', '.join(c['name'] for c in cols)})" for name, cols in schema_doc.tables().items()
        )
        messages: list[dict[str, Any]] = []
        for turn in (memory.turns if memory else [])[-4:]:
            messages.append({"role": "user", "content": [{"text": turn["question"]}]})
            messages.append({"role": "assistant", "content": [{"text": turn["answer"] or "(no answer)"}]})
        messages.append({"role": "user", "content": [{"text": question}]})
        resp = self.client.converse(
            modelId=self.model_id,
            system=[{"text": SYSTEM.format(schema=schema, clock=clock.isoformat() if clock else "unknown")}],
            messages=messages,
            toolConfig={"tools": tools.specs(), "toolChoice": {"auto": {}}},
            inferenceConfig={"maxTokens": 1024, "temperature": 0},
        )
        content = resp["output"]["message"]["content"]
        calls = [
            ToolCall(b["toolUse"]["name"], dict(b["toolUse"].get("input") or {}))
            for b in content
            if "toolUse" in b and b["toolUse"].get("name") in TOOLS
        ]
        text = " ".join(b["text"] for b in content if "text" in b).strip()
        if not calls:
            return cannot(text or "The model proposed no tool call.", planner=self.name)
        intent = calls[0].tool if len(calls) == 1 else "multi"
        if intent == "query_warehouse":
            intent = "sql"
        return Plan(intent, calls, {"question": question}, reply=text or None, planner=self.name)
