"""The planner on Amazon Bedrock: the Converse API with tool use. The model sees the schema,
the data clock and the conversation so far, and answers with toolUse blocks: the semantic
layer's `analytics_query` (measure, breakdown, filters, period; compiled to SQL by our code,
`chat.semantic_tool`) or one of the six tools; SQL it writes itself passes the same guard as
every other plan's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from chat import schema_doc, semantic_tool, tools
from chat.memory import Conversation
from chat.plan import TOOLS, Plan, ToolCall, cannot
from chat.vocabulary import Vocabulary

if TYPE_CHECKING:
    from mypy_boto3_bedrock_runtime.type_defs import (
        InferenceConfigurationTypeDef,
        MessageTypeDef,
        MessageUnionTypeDef,
        SystemContentBlockTypeDef,
        ToolConfigurationTypeDef,
    )

SYSTEM = """You answer questions about a live-concert business by calling tools.
The warehouse (Redshift SQL) holds these tables, readable with query_warehouse (one SELECT):
{schema}
"Now" for the data is {clock}: resolve relative dates ("last month") against it.
For figures (tickets, revenue, prices, orders, customers, refunds, concerts, venues, artists,
by any breakdown, filter and period) call analytics_query with the measure, breakdown, filters
and period the question names, and nothing it does not; write SQL only when analytics_query
cannot express the question. If the question asks for something no tool can give (a comparison
of two things, a change between periods, data the warehouse does not hold), say so instead.
Use predict_sales, recommend_concerts and rank_venues for predictions, pipeline_status for the
platform's health, explain_schema for questions about the data itself. If no tool fits, say so
in one sentence."""


class Converse(Protocol):
    """The one Bedrock call the planner makes: the boto3 `bedrock-runtime` client
    (`BedrockRuntimeClient`) is one, and so are the tests' scripted models. Arguments are typed
    as boto3-stubs types them; the answer is read as a mapping."""

    def converse(
        self,
        *,
        modelId: str,
        system: Sequence[SystemContentBlockTypeDef],
        messages: Sequence[MessageUnionTypeDef],
        toolConfig: ToolConfigurationTypeDef,
        inferenceConfig: InferenceConfigurationTypeDef,
    ) -> Mapping[str, Any]:
        """One turn of the conversation: the model's message (text and toolUse blocks)."""
        ...


class BedrockPlanner:
    """Plans with a Bedrock model (any model with tool use, e.g. Anthropic Claude)."""

    name = "bedrock"

    def __init__(self, client: Converse, model_id: str, vocabulary: Vocabulary | None = None) -> None:
        self.client, self.model_id = client, model_id
        self.vocabulary = vocabulary or Vocabulary()

    def plan(self, question: str, clock: datetime | None, memory: Conversation | None = None) -> Plan:
        """One Converse call; its toolUse blocks are the plan's calls."""
        schema = "\n".join(
            f"- {name}({', '.join(c['name'] for c in cols)})" for name, cols in schema_doc.tables().items()
        )
        messages: list[MessageTypeDef] = []
        for turn in (memory.turns if memory else [])[-4:]:
            messages.append({"role": "user", "content": [{"text": turn["question"]}]})
            messages.append({"role": "assistant", "content": [{"text": turn["answer"] or "(no answer)"}]})
        messages.append({"role": "user", "content": [{"text": question}]})
        resp = self.client.converse(
            modelId=self.model_id,
            system=[{"text": SYSTEM.format(schema=schema, clock=clock.isoformat() if clock else "unknown")}],
            messages=messages,
            toolConfig={"tools": [semantic_tool.spec(), *tools.specs()], "toolChoice": {"auto": {}}},
            inferenceConfig={"maxTokens": 1024, "temperature": 0},
        )
        content = resp["output"]["message"]["content"]
        semantic = [b["toolUse"] for b in content if b.get("toolUse", {}).get("name") == semantic_tool.NAME]
        if semantic:  # the semantic layer: our code writes the SQL, as for the rules' plans
            return semantic_tool.plan_of(
                dict(semantic[0].get("input") or {}), self.vocabulary, clock, self.name
            )
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
