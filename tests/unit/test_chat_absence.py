"""What had none ("which venues in Texas sold no tickets in 2025?", "how many 2025 concerts
sold nothing?", "venues with zero concerts in Q1 2026"): the planner's SQL run on the local
warehouse finds exactly those, listed or counted; what it cannot say that way ("no VIP
tickets", "had sales but ...") is still refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from chat.absence import read
from chat.coverage import covered
from chat.deterministic_planner import DeterministicPlanner
from chat.plan import Plan
from chat.vocabulary import Vocabulary
from cloud.dataapi.engine import Engine
from cloud.dataapi.server import dispatch
from consumers.warehouse.guard import guard
from tests.unit.local_warehouse import catalog, concert, run, sale, star_schema
from tests.unit.test_chat_planner import ARTISTS, CLOCK, VENUES

# venue 1 (MA): a 2025 concert that sold; venue 2 (TX): a 2026 concert that sold nothing and a
# cancelled 2025 one; venue 3 (IL): nothing at all; venue 4 (NY): sold in 2026 only
CONCERTS = [  # concert, artist, venue, starts, status
    (100, 11, 1, "2025-06-01", "scheduled"),
    (101, 12, 2, "2026-03-01", "scheduled"),
    (102, 13, 2, "2025-07-01", "cancelled"),
    (103, 14, 4, "2026-02-01", "scheduled"),
]
SALES = [(100, 11, 1, "2025-05-01"), (103, 14, 4, "2026-01-15")]  # concert, artist, venue, sold


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = star_schema(tmp_path_factory.mktemp("absence") / "w.duckdb")
    catalog(engine, VENUES, ARTISTS)
    for cid, aid, vid, starts, status in CONCERTS:
        concert(engine, cid, aid, vid, starts, status)
    for n, (cid, aid, vid, sold) in enumerate(SALES):
        sale(engine, n, (cid, aid, vid), sold)
    yield engine
    engine.close()


def _ask(question: str) -> Plan:
    plan = covered(question, DeterministicPlanner(Vocabulary.of(VENUES, ARTISTS)).plan(question, CLOCK))
    for call in plan.calls:
        guard(call.args["sql"])
    return plan


def _rows(engine: Engine, plan: Plan) -> list[dict[str, Any]]:
    sid = run(engine, plan.calls[0].args["sql"])["Id"]
    result = dispatch(engine, "GetStatementResult", {"Id": sid})
    names = [m["name"] for m in result["ColumnMetadata"]]
    return [{n: next(iter(f.values())) for n, f in zip(names, rec, strict=True)} for rec in result["Records"]]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        ("which venues did not sell a single ticket in 2025?", {"Robertson Stadium", "Chicago Theatre",
                                                                  "Madison Square Garden"}),
        ("which venues in Texas did not sell a single ticket in 2025?", {"Robertson Stadium"}),
        ("list the venues with zero concerts in 2026", {"Gillette Stadium", "Chicago Theatre"}),
        ("which venues have never sold a ticket?", {"Robertson Stadium", "Chicago Theatre"}),
        ("which artists had no ticket sales in 2026?", {"Cher", "Foo Fighters", "Yes", "Chicago"}),
        ("list every Texas venue that recorded no ticket sale in 2025", {"Robertson Stadium"}),
    ],
)  # fmt: skip
def test_the_ones_with_none_are_listed(warehouse: Engine, question: str, names: set[str]) -> None:
    plan = _ask(question)
    assert plan.calls, plan.reply
    assert {r["label"] for r in _rows(warehouse, plan)} == names


@pytest.mark.parametrize(
    ("question", "count"),
    [
        ("how many venues have not sold a single ticket?", 2),
        ("how many 2026 concerts did not sell a single ticket?", 1),  # 101; 103 sold
        ("how many 2025 concerts sold nothing?", 0),  # 100 sold, 102 was cancelled
        ("how many venues had no concerts in 2025?", 3),  # 2's only 2025 concert was cancelled
        ("how many venues had no concerts in 2025, whatever the concert's status?", 2),
    ],
)
def test_the_ones_with_none_are_counted(warehouse: Engine, question: str, count: int) -> None:
    plan = _ask(question)
    assert plan.calls, plan.reply
    assert [int(r["value"]) for r in _rows(warehouse, plan)] == [count]


@pytest.mark.parametrize(
    "question",
    [
        "which venues did not sell any VIP tickets in 2025?",  # a tier missing, not every sale
        "which venues had ticket sales in 2025 but no web orders?",
        "concerts in Chicago that did not sell a single VIP seat",
    ],
)
def test_narrower_absences_are_refused(question: str) -> None:
    assert read(question.lower()) is None
    assert not _ask(question).calls
