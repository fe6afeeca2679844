"""A tie at a ranking's cut is said, never hidden: the planner counts the groups sharing each
value, the answer says how many tied with the last row shown were left out, and the grader
takes a row declared tied for first as a first."""

from __future__ import annotations

from typing import Any

from bench.chat import Oracle
from chat import tools
from chat.answers import compose
from chat.deterministic_planner import DeterministicPlanner
from chat.vocabulary import Vocabulary
from tests.unit.test_chat_planner import ARTISTS, VENUES, ask


def _answer(question: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    plan = ask(DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS)), question)
    assert "COUNT(*) OVER (PARTITION BY SUM(f.quantity)) AS tied" in plan.calls[0].args["sql"]
    return compose(
        question, plan, [tools.ok("query_warehouse", {"sql": "S", "rows": rows, "row_count": len(rows)})]
    )


def test_a_tie_at_the_cut_is_said() -> None:
    tied = _answer(
        "which concert had the most tickets refunded in 2025?",
        [{"key": 7, "label": "A at B", "value": 153, "tied": 2}],
    )
    assert tied["answer"].endswith("1. A at B (153); tied at that value with 1 more not shown.")
    rows = [{"key": 1, "label": "X", "value": 9, "tied": 1}, {"key": 2, "label": "Y", "value": 5, "tied": 2}]
    top2 = _answer("top 2 venues by tickets sold in 2025", rows)  # Y ties with a third venue, not shown
    assert "tied at that value with 1 more not shown" in top2["answer"]
    alone = _answer("top 2 venues by tickets sold in 2025", [rows[0], {**rows[1], "tied": 1}])
    assert "tied" not in alone["answer"]


def test_a_first_declared_tied_is_a_first() -> None:
    oracle = Oracle(lambda _sql: [{"key": 1146, "label": 1146, "value": 153}], lambda _p, _a: {}, dict)
    q = {"oracle": "SELECT 1", "expect": "first_row"}
    declared = {"rows": [{"key": 2507, "label": "A at B", "value": 153, "tied": 2}]}
    assert oracle._first_row(q, declared) is None
    assert oracle._first_row(q, {"rows": [{"key": 2507, "label": "A at B", "value": 153, "tied": 1}]})
    assert oracle._first_row(q, {"rows": [{"key": 2507, "label": "A at B", "value": 150, "tied": 2}]})
