"""The held-out sets written without seeing the planner's rules or the sets before them
(`unseen.json`, `fresh.json`, `untouched.json`, `blind.json`, `sixth.json`, `seventh.json`,
`eighth.json`, `ninth.json`, `tenth.json`, `eleventh.json`, `twelfth.json`, `thirteenth.json`,
`fourteenth.json`, `fifteenth.json`, `sixteenth.json`, `seventeenth.json`, `eighteenth.json`,
`nineteenth.json`, `twentieth.json`, `twentyfirst.json`, `twentysecond.json`, then
`twentythird.json`):
their shape, and every oracle and binding runs on the local warehouse. Their figures come from
`concert bench chat`; no test asserts the planner on them (a set once tuned on is spent, and the
next one is written apart)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from sqlglot import exp

from bench.chat import HELD_OUT, Oracle, load_questions, periods
from cloud.dataapi.engine import Engine
from tests.unit.local_warehouse import run, star_schema

ROOT = Path(__file__).resolve().parents[2]
SETS = {
    name: load_questions(ROOT / "tests" / "chat_questions" / f"{name}.json")
    for name in HELD_OUT
    if name != "heldout"  # the first held-out set has its own test (test_chat_heldout_set.py)
}
CLASSES = {"breakdown_period", "measure", "superlative", "listing_lookup", "dimension_count",
           "channel_tier_weekday", "follow_up", "plain", "must_refuse", "comparison"}  # fmt: skip
BASE_TABLES = {"dim_artist", "dim_venue", "dim_concert", "fact_ticket_sales", "fact_refunds"}
BASE_TABLES |= {"agg_concert_sell_through"}
CLOCK = datetime(2026, 5, 6, 9, 32, tzinfo=UTC)


def _filled(text: str) -> str:
    """Placeholders filled as the bench fills them: periods from the clock, names with a dummy."""
    names: defaultdict[str, str] = defaultdict(lambda: "Some Name")
    return text.format_map(names | periods(CLOCK))


def _oracles(q: dict[str, Any]) -> list[str]:
    """The question's oracle, or its parts' (two questions in one, `expect: both`)."""
    return [str(q["oracle"])] if q.get("oracle") else [str(p["oracle"]) for p in q.get("parts") or []]


@pytest.mark.parametrize("name", sorted(SETS))
def test_the_set_has_unique_ids_every_class_and_an_oracle_per_answerable_question(name: str) -> None:
    questions: list[dict[str, Any]] = SETS[name]["questions"]
    ids = [q["id"] for q in questions]
    assert len(ids) == len(set(ids)) and len(ids) >= 80
    counts = Counter(q["class"] for q in questions)
    # comparisons were refused once; the sets' comparison questions became a class of their own
    assert set(counts) == CLASSES and min(counts.values()) >= 5 and counts["must_refuse"] >= 9
    for q in questions:
        kind = q["expect"]
        assert kind in ("refused", "cannot") or callable(getattr(Oracle, f"_{kind}", None)), q["id"]
        assert (q["class"] == "must_refuse") == (kind in ("refused", "cannot")), q["id"]
        assert bool(_oracles(q)) == (kind not in ("refused", "cannot")), q["id"]
        for part in q.get("parts") or []:  # two questions in one: an oracle per part
            assert kind == "both" and callable(getattr(Oracle, f"_{part['expect']}", None)), q["id"]


@pytest.mark.parametrize("name", sorted(SETS))
def test_oracles_read_only_the_base_tables(name: str) -> None:
    for q, oracle in [(x, o) for x in SETS[name]["questions"] for o in _oracles(x)]:
        tree = sqlglot.parse_one(_filled(oracle), read="redshift")
        ctes = {c.alias_or_name for c in tree.find_all(exp.CTE)}
        used = {t.name for t in tree.find_all(exp.Table) if t.name} - ctes  # not a table function
        assert used and used <= BASE_TABLES, (q["id"], used - BASE_TABLES)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = star_schema(tmp_path_factory.mktemp("unseen") / "w.duckdb")
    yield engine
    engine.close()


@pytest.mark.parametrize("name", sorted(SETS))
def test_every_oracle_and_binding_runs_on_the_local_warehouse(warehouse: Engine, name: str) -> None:
    statements = [(q["id"], _filled(o)) for q in SETS[name]["questions"] for o in _oracles(q)]
    statements += list(SETS[name]["bindings"].items())
    failed = {
        n: d.get("Error") for n, sql in statements if (d := run(warehouse, sql))["Status"] != "FINISHED"
    }
    assert not failed, failed


def test_every_set_the_bench_offers_is_a_file_of_its_own() -> None:
    from bench.chat import HELD_OUT, HELDOUT_FILE
    from concert.cli_bench import QuestionSet

    offered = {q.value for q in QuestionSet} - {"standard"}
    assert offered == set(HELD_OUT), "a set the CLI offers but the bench does not know runs the standard set"
    assert all(HELDOUT_FILE.with_name(f"{name}.json").exists() for name in HELD_OUT)
