"""The chat question set: its oracle (every expected answer computed independently of the
chat) and the bench (accuracy on the set, latency per question through the chat API and
workflow, next to the in-process baseline: the same plan and tools without API Gateway,
Step Functions or Lambda).

The oracle runs the question's hand-written SQL straight on the warehouse (not through the
planner, the guard, or the aggregates the planner reads), with {periods} resolved by its own
date arithmetic from the newest sale; the model and pipeline tools are checked against the
predictions API and the health report `concert status` gives.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from consumers.warehouse.guard import OPERATIONS

QUESTIONS_FILE = Path(__file__).resolve().parent.parent / "tests" / "chat_questions" / "questions.json"
HELDOUT_FILE = QUESTIONS_FILE.with_name("heldout.json")
HELD_OUT = (
    "heldout",
    "unseen",
    "fresh",
    "untouched",
    "blind",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
    "twentyfirst",
    "twentysecond",
    "twentythird",
)  # sets written apart from the rules, each after the last
NOT_FOR_CHAT = OPERATIONS  # the pipeline's own tables (the ledger, the crosswalk, ...): the operator's

Query = Callable[[str], list[dict[str, Any]]]
Progress = Callable[[str], None] | None


def load_questions(path: Path = QUESTIONS_FILE) -> dict[str, Any]:
    """The question set (questions, bindings)."""
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _span(start: date, end: date) -> SimpleNamespace:
    def iso(d: date) -> str:
        return datetime(d.year, d.month, d.day, tzinfo=UTC).isoformat()

    return SimpleNamespace(start=iso(start), end=iso(end))


def periods(clock: datetime) -> dict[str, Any]:
    """The named periods of the oracle SQL, from the clock (calendar arithmetic, half-open)."""
    today = clock.astimezone(UTC).date()
    month_start = today.replace(day=1)
    prev_month = (month_start - timedelta(days=1)).replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    quarter_start = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    prev_quarter = (quarter_start - timedelta(days=80)).replace(day=1)
    prev_quarter = date(prev_quarter.year, (prev_quarter.month - 1) // 3 * 3 + 1, 1)
    next_quarter = (quarter_start + timedelta(days=95)).replace(day=1)
    monday = today - timedelta(days=today.weekday())
    return {
        "clock": clock.isoformat(),
        "last_month": _span(prev_month, month_start),
        "this_month": _span(month_start, next_month),
        "next_month": _span(next_month, (next_month + timedelta(days=32)).replace(day=1)),
        "this_year": _span(date(today.year, 1, 1), date(today.year + 1, 1, 1)),
        "last_year": _span(date(today.year - 1, 1, 1), date(today.year, 1, 1)),
        "last_30_days": _span(today - timedelta(days=29), today + timedelta(days=1)),
        "last_7_days": _span(today - timedelta(days=6), today + timedelta(days=1)),
        "next_30_days": _span(today + timedelta(days=1), today + timedelta(days=31)),
        "yesterday": _span(today - timedelta(days=1), today),
        "last_week": _span(monday - timedelta(days=7), monday),
        "this_week": _span(monday, monday + timedelta(days=7)),
        "last_quarter": _span(prev_quarter, quarter_start),
        "this_quarter": _span(quarter_start, next_quarter),
    }


def _close(a: Any, b: Any, tol: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=tol)


def _sortable(value: Any) -> float:
    """A value as sorted beside others (None first)."""
    return float("-inf") if value is None else float(value)


def _month(label: Any) -> str:
    return str(label)[:7]


_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH_LABEL = re.compile(r"\d{4}-\d{2}")


def _norm(label: Any) -> str:
    """A label as compared: blanks collapsed, case folded ('Monday ' is 'monday')."""
    return " ".join(str(label).split()).casefold()


def _label(row: dict[str, Any]) -> Any:
    return row.get("label", next(iter(row.values()), None))


def _value(row: dict[str, Any]) -> Any:
    return row.get("value", list(row.values())[-1] if row else None)


def _same_label(got: dict[str, Any], want: dict[str, Any]) -> bool:
    """Whether an answer's row names the oracle's: by `key` when the oracle has one (a concert,
    a customer: the answer's key, or the last number in its label) or its label is an id, by the
    date or month when the oracle's label is one (a quarter by its first day too), else by the
    label or the oracle's `alt` (a city without its state)."""
    if want.get("key") is not None:
        key = got.get("key")
        if key is None:
            digits = re.findall(r"\d+", str(_label(got)))
            key = digits[-1] if digits else None
        return key is not None and str(key).isdigit() and int(key) == int(want["key"])
    wanted, text = str(want["label"]).strip(), str(_label(got)).strip()
    if wanted.isdigit() and got.get("key") is not None:  # an id asked for ("which customer ID ..."): its key
        return str(got["key"]) == wanted
    if _DAY.fullmatch(wanted):
        return text[:10] == wanted
    if _MONTH_LABEL.fullmatch(wanted):
        return text[:7] == wanted
    if re.fullmatch(r"\d{4}-Q[1-4]", wanted):  # "the busiest quarter": its first day, or its name
        return _period_key(text, "quarter") == wanted
    named = {_norm(text), _norm(re.sub(r", [A-Z]{2}$", "", text))}  # "New Orleans, LA" names New Orleans
    return bool(named & ({_norm(wanted)} | ({_norm(want["alt"])} if want.get("alt") is not None else set())))


def _period_key(label: Any, grain: str) -> str:
    """A time group's label as the start of its period: the day, the Monday of the week, YYYY-MM,
    YYYY-Qn or YYYY (from a timestamp, a date, or those forms themselves)."""
    text = str(label).strip()
    if re.fullmatch(r"\d{4}(-Q[1-4])?", text):
        return text
    try:
        day = date.fromisoformat(text[:10])
    except ValueError:
        return text
    if grain == "week":
        day -= timedelta(days=day.weekday())
    return {
        "day": day.isoformat(),
        "week": day.isoformat(),
        "month": day.isoformat()[:7],
        "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
        "year": str(day.year),
    }[grain]


@dataclass
class Oracle:
    """Expected answers from the warehouse, the predictions API and the health report."""

    query: Query
    predictions: Callable[[str, dict[str, Any]], dict[str, Any]]
    health: Callable[[], dict[str, Any]]
    bindings: dict[str, Any] = field(default_factory=dict)
    named: dict[str, Any] = field(default_factory=dict)

    def prepare(self, question_set: dict[str, Any]) -> None:
        """Resolve the bindings ({concert}, {customer}) and the periods from the data clock."""
        clock = self.query("SELECT MAX(sold_at) AS v FROM fact_ticket_sales")[0]["v"]
        self.named = periods(clock)
        self.bindings = {k: self.query(sql)[0]["v"] for k, sql in question_set["bindings"].items()}

    def text(self, q: dict[str, Any]) -> str:
        """The question with its bindings filled in."""
        return str(q["question"]).format(**self.bindings)

    def check(self, q: dict[str, Any], answer: dict[str, Any]) -> str | None:
        """None when the answer is right, else what is wrong."""
        kind = q["expect"]
        if kind in ("refused", "cannot"):
            if answer.get("answered"):
                return f"expected a refusal, got an answer: {answer.get('answer')!r}"
            if answer.get("result") is not None:
                return f"expected no result, got {answer.get('result')!r}"
            if not (q.get("reason") or q.get("contains")):
                return None  # any refusal or clarification, as long as it states no result
            want = str(q.get("reason") or q.get("contains"))
            return None if want in str(answer.get("answer")) else f"{want!r} not in {answer.get('answer')!r}"
        if not answer.get("answered"):
            return f"not answered: {answer.get('answer')!r}"
        tools = [c["tool"] for c in answer.get("calls", [])]
        if q.get("tool") and tools != [q["tool"]] * len(q.get("parts") or [q]):
            return f"expected {len(q.get('parts') or [q])} call(s) of {q['tool']}, got {tools}"
        result = answer.get("result") or {}
        if kind == "both":  # two questions in one: a result for each, in order
            return self._both(q, result if isinstance(result, list) else [result])
        if isinstance(result, list):
            return f"{len(result)} answers to one question"
        check: Callable[[dict[str, Any], dict[str, Any]], str | None] = getattr(self, f"_{kind}")
        try:
            return check(q, result)
        except (KeyError, TypeError, ValueError, IndexError, StopIteration) as exc:  # another answer's shape
            return f"not a {kind} answer (no {exc}): {str(answer.get('result'))[:200]}"

    def _both(self, q: dict[str, Any], results: list[dict[str, Any]]) -> str | None:
        """`parts`: one {expect, oracle} per request of the question, each checked against its
        own result."""
        parts = list(q["parts"])
        if len(results) != len(parts):
            return f"{len(results)} answers to {len(parts)} questions"
        for i, (part, result) in enumerate(zip(parts, results, strict=True), 1):
            kind = str(part["expect"])
            grade: Callable[[dict[str, Any], dict[str, Any]], str | None] = getattr(self, f"_{kind}")
            try:
                wrong = grade(part, result)
            except (KeyError, TypeError, ValueError, IndexError, StopIteration) as exc:
                wrong = f"not a {kind} answer (no {exc})"
            if wrong:
                return f"part {i}: {wrong}"
        return None

    def _oracle(self, q: dict[str, Any]) -> list[dict[str, Any]]:
        quoted = {k: str(v).replace("'", "''") for k, v in self.bindings.items()}
        return self.query(str(q["oracle"]).format(**self.named, **quoted))

    def _scalar(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = self._oracle(q)[0]["v"]
        got = result.get("value")
        return None if _close(got, want, q.get("tolerance", 0.01)) else f"value {got} != oracle {want}"

    def _compare(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """Two things or two periods side by side: the answer's rows carry both of the oracle's
        values (its rows, one per side, `value` each; labels are not compared, a period's label
        being written many ways), in either order."""
        want = [r["value"] for r in self._oracle(q)]
        got = [_value(r) for r in result.get("rows") or []]
        tol = q.get("tolerance", 0.01)
        if len(got) != len(want):
            return f"sides {got} != oracle {want}"
        unmatched = list(got)
        for w in want:
            match = next((g for g in unmatched if _close(g, w, tol)), None)
            if match is None:
                return f"sides {got} != oracle {want}"
            unmatched.remove(match)
        return None

    def _first_cell(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = self._oracle(q)[0]["v"]
        got = next(iter(result["rows"][0].values())) if result.get("rows") else None
        return None if _close(got, want, 0) else f"value {got} != oracle {want}"

    def _rows(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = [(r["label"], r["value"]) for r in self._oracle(q)]
        got = [
            (r.get("label", next(iter(r.values()))), r.get("value", list(r.values())[-1]))
            for r in result["rows"]
        ]
        same = len(want) == len(got) and all(
            str(a[0]) == str(b[0]) and _close(a[1], b[1], 0.01) for a, b in zip(got, want, strict=True)
        )
        return None if same else f"rows {got[:5]} != oracle {want[:5]}"

    def _months(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = [(str(r["label"]), r["value"]) for r in self._oracle(q)]
        got = [(_month(r["label"]), r["value"]) for r in result["rows"]]
        same = len(want) == len(got) and all(
            a[0] == b[0] and _close(a[1], b[1], 0.01) for a, b in zip(got, want, strict=True)
        )
        return None if same else f"months {got[:3]} != oracle {want[:3]}"

    def _keys(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = [int(r["v"]) for r in self._oracle(q)]
        got = [int(r["key"]) for r in result["rows"]]
        return None if got == want else f"concerts {got} != oracle {want}"

    def _periods(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """A breakdown by day, week, quarter or year (`grain`): the same periods with the same values."""
        grain = str(q["grain"])
        want = {str(r["label"]): r["value"] for r in self._oracle(q)}
        got_rows = result.get("rows") or []
        got = {_period_key(_label(r), grain): _value(r) for r in got_rows}
        same = len(got) == len(got_rows) and got.keys() == want.keys()
        same = same and all(_close(got[k], want[k], q.get("tolerance", 0.01)) for k in want)
        return None if same else f"{grain}s {sorted(got.items())[:3]} != oracle {sorted(want.items())[:3]}"

    def _groups(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """Every group with its value, in any order (a breakdown by channel, tier, day of the week;
        two venues of one name are two groups of that label)."""

        def pairs(rows: list[tuple[Any, Any]]) -> list[tuple[str, Any]]:
            return sorted(
                ((_norm(label), value) for label, value in rows), key=lambda p: (p[0], _sortable(p[1]))
            )

        want = pairs([(r["label"], r["value"]) for r in self._oracle(q)])
        got = pairs([(_label(r), _value(r)) for r in result.get("rows") or []])
        same = [k for k, _ in got] == [k for k, _ in want]
        same = same and all(
            _close(g, w, q.get("tolerance", 0.01)) for (_, g), (_, w) in zip(got, want, strict=True)
        )
        return None if same else f"groups {dict(got)} != oracle {dict(want)}"

    def _labels(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """The same things named (a list of venues), in any order; values are not compared. A
        city may carry its state ("Chicago, IL" names Chicago) when the oracle's does not."""
        want = sorted(_norm(r["label"]) for r in self._oracle(q))
        got = sorted(_norm(_label(r)) for r in result.get("rows") or [])
        if got != want and all(re.search(r", [A-Z]{2}$", str(_label(r))) for r in result.get("rows") or []):
            got = sorted(_norm(re.sub(r", [A-Z]{2}$", "", str(_label(r)))) for r in result.get("rows") or [])
        return None if got == want else f"labels {got[:5]} != oracle {want[:5]}"

    def _first_row(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """The answer's first row is the oracle's one row (the busiest, the biggest...): its label
        (or key), and its value when the oracle gives one."""
        want = self._oracle(q)
        rows = result.get("rows")
        if rows is None:
            return f"expected a row, got {result.get('kind')} {result.get('value')!r}"
        if not want:
            return None if not rows else f"rows {rows[:1]} != oracle none"
        value = want[0].get("value")
        # An answer that says its first row is tied (`tied` groups share its value) names one of
        # the firsts: right when that value is the oracle's, whichever of them each orders first.
        tie = bool(rows) and int(rows[0].get("tied") or 0) > 1 and value is not None
        tie = tie and _close(_value(rows[0]), value, q.get("tolerance", 0.01))
        if not rows or not (_same_label(rows[0], want[0]) or tie):
            return f"first row {rows[:1]} != oracle {want[0]}"
        ok = value is None or _close(_value(rows[0]), value, q.get("tolerance", 0.01))
        return None if ok else f"value {_value(rows[0])} != oracle {value}"

    def _ranked(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """A top-N in order: each row names the oracle's (label or key) with its value."""
        want = self._oracle(q)
        got = result.get("rows") or []
        same = len(got) == len(want) and all(
            _same_label(g, w) and _close(_value(g), w["value"], q.get("tolerance", 0.01))
            for g, w in zip(got, want, strict=True)
        )
        return None if same else f"rows {got[:5]} != oracle {want[:5]}"

    def _candidates(self, q: dict[str, Any], result: dict[str, Any]) -> list[Any] | None:
        if result.get("rows") is None:
            return [result.get("value")]
        named = [r for r in result["rows"] if _norm(_label(r)) == _norm(q["label"])]
        return [_value(named[0])] if named else None

    def _value_of(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """One number: said alone, or as the row of `label` in a breakdown that has it."""
        want = self._oracle(q)[0]["v"]
        got = self._candidates(q, result)
        if got is None:
            return f"no row {q['label']!r} in {result.get('rows', [])[:5]}"
        return None if _close(got[0], want, q.get("tolerance", 0.01)) else f"value {got[0]} != oracle {want}"

    def _percent(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        """A share in percent (a fraction of 1 is the same share): alone, or as the row of `label`
        in a breakdown of shares."""
        want = self._oracle(q)[0]["v"]
        got = self._candidates(q, result)
        if got is None:
            return f"no row {q['label']!r} in {result.get('rows', [])[:5]}"
        value, tol = got[0], q.get("tolerance", 0.05)
        scaled = [value] if value is None else [float(value), float(value) * 100]
        ok = any(_close(v, want, tol) for v in scaled)
        return None if ok else f"share {value} != oracle {want}%"

    def _prediction(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        concert = self.bindings["concert"]
        want = self.predictions(f"/sales/{concert}", {})
        same = result["concert_id"] == concert and result["version"] == want["version"]
        same = same and _close(result["tickets"]["predicted"], want["tickets"]["predicted"], 0.01)
        return None if same else f"prediction {result['tickets']} != API {want['tickets']}"

    def _recommendations(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        customer = self.bindings["customer"]
        want = self.predictions(f"/recommendations/{customer}", {"k": q["k"]})
        got_ids = [c["concert_id"] for c in result["concerts"]]
        want_ids = [c["concert_id"] for c in want["concerts"]]
        return None if got_ids == want_ids else f"concerts {got_ids} != API {want_ids}"

    def _venue_ranking(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        ranking = self.predictions("/venues/rank", {"top": 1000})["venues"]
        want = [v["venue_id"] for v in ranking if q.get("state") in (None, v.get("state"))][: q["top"]]
        got = [v["venue_id"] for v in result["venues"]]
        return None if got == want else f"venues {got} != API {want}"

    def _pipeline_status(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        want = self.health()
        if result["dead_letters"] != want["dead_letters"]:
            return f"dead letters {result['dead_letters']} != status {want['dead_letters']}"
        if result["warehouse"].get("events") != want["warehouse"].get("events"):
            return f"events {result['warehouse']} != status {want['warehouse']}"
        return None

    def _schema_tables(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        rows = self.query("SELECT table_name AS v FROM information_schema.tables")
        want = {str(r["v"]) for r in rows} - NOT_FOR_CHAT
        got = {t["name"] for t in result["tables"]}
        return None if got == want else f"tables {sorted(got)} != warehouse {sorted(want)}"

    def _schema_columns(self, q: dict[str, Any], result: dict[str, Any]) -> str | None:
        rows = self.query(
            "SELECT column_name AS v FROM information_schema.columns "
            f"WHERE table_name = '{q['table']}' ORDER BY ordinal_position"
        )
        want = [str(r["v"]) for r in rows]
        got = [c["name"] for c in result["columns"]]
        return None if got == want else f"columns {got} != warehouse {want}"


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1)


def confident(answer: dict[str, Any]) -> bool:
    """An answer that states a result (answered, with data behind it)."""
    return bool(answer.get("answered")) and answer.get("result") is not None


def accuracy_by_class(
    questions: list[dict[str, Any]], wrong: list[dict[str, str]], confident_wrong: list[str]
) -> dict[str, Any]:
    """Accuracy overall and per `class` of the questions (unclassified: `-`), the answers that
    were wrong, and those of them that stated a result anyway (confident and wrong)."""
    bad = {w["id"] for w in wrong}
    sure = set(confident_wrong)
    by_class: dict[str, dict[str, Any]] = {}
    for q in questions:
        blank = {"questions": 0, "correct": 0, "confident_wrong": 0}
        c = by_class.setdefault(str(q.get("class", "-")), blank)
        c["questions"] += 1
        c["correct"] += q["id"] not in bad
        c["confident_wrong"] += q["id"] in sure
    for c in by_class.values():
        c["accuracy"] = round(c["correct"] / c["questions"], 4)
    n = len(questions)
    return {
        "wrong_ids": [w["id"] for w in wrong],
        "confident_wrong": len(confident_wrong),
        "confident_wrong_share": round(len(confident_wrong) / n, 4) if n else 0.0,
        "confident_wrong_ids": list(confident_wrong),
        "by_class": dict(sorted(by_class.items())),
    }


def run_chat_bench(
    ask: Callable[[str, str | None], dict[str, Any]],
    in_process: Callable[[str, str | None], dict[str, Any]] | None,
    oracle: Oracle,
    *,
    repeats: int = 3,
    progress: Progress = None,
    questions_file: Path = QUESTIONS_FILE,
) -> dict[str, Any]:
    """Accuracy (first answer of each question) and latency p50/p95 per question, through the
    API and in-process; sessions get a fresh id per repeat so follow-ups stay follow-ups. The
    set is `questions_file` (tests/chat_questions/questions.json unless told; heldout.json is the
    held-out set); accuracy is also given per question `class`, with the confident wrong answers
    (a result stated, graded wrong)."""
    question_set = load_questions(questions_file)
    oracle.prepare(question_set)
    questions = question_set["questions"]
    rows: list[dict[str, Any]] = []
    wrong: list[dict[str, str]] = []
    confident_wrong: list[str] = []
    api_ms: dict[str, list[float]] = {q["id"]: [] for q in questions}
    local_ms: dict[str, list[float]] = {q["id"]: [] for q in questions}
    stamp = int(time.time())
    for rep in range(repeats):
        for q in questions:
            session = f"bench-{stamp}-{rep}-{q['session']}" if q.get("session") else None
            text = oracle.text(q)
            t0 = time.perf_counter()
            answer = ask(text, session)
            api_ms[q["id"]].append((time.perf_counter() - t0) * 1000)
            if rep == 0:
                why = oracle.check(q, answer)
                if why:
                    wrong.append({"id": q["id"], "why": why})
                    if confident(answer):
                        confident_wrong.append(q["id"])
            if in_process is not None:
                t0 = time.perf_counter()
                in_process(text, f"{session}-local" if session else None)
                local_ms[q["id"]].append((time.perf_counter() - t0) * 1000)
        if progress:
            progress(f"repeat {rep + 1}/{repeats}: {len(questions)} questions asked")
    for q in questions:
        a, loc = api_ms[q["id"]], local_ms[q["id"]]
        rows.append(
            {
                "id": q["id"],
                "tool": q.get("tool", "-"),
                "api_p50_ms": _pct(a, 0.5),
                "api_p95_ms": _pct(a, 0.95),
                "in_process_p50_ms": _pct(loc, 0.5) if loc else None,
            }
        )
    every = [x for v in api_ms.values() for x in v]
    local = [x for v in local_ms.values() for x in v]
    return {
        "questions": len(questions),
        "correct": len(questions) - len(wrong),
        "accuracy": round((len(questions) - len(wrong)) / len(questions), 4),
        "wrong": wrong,
        "repeats": repeats,
        "api": {
            "p50_ms": _pct(every, 0.5),
            "p95_ms": _pct(every, 0.95),
            "mean_ms": round(statistics.mean(every), 1),
        },
        "in_process": (
            {
                "p50_ms": _pct(local, 0.5),
                "p95_ms": _pct(local, 0.95),
                "mean_ms": round(statistics.mean(local), 1),
            }
            if local
            else None
        ),
        "per_question": rows,
        "questions_file": questions_file.name,
        **accuracy_by_class(questions, wrong, confident_wrong),
    }


class InProcessChat:
    """The baseline: the same planner, tools and answers in this process (no API Gateway, no
    Step Functions, no Lambda), with the conversation kept in memory."""

    def __init__(self, warehouse: Any, runners: dict[str, Callable[[Any], dict[str, Any]]]) -> None:
        from chat.vocabulary import Vocabulary

        self.warehouse, self.runners = warehouse, runners
        self.vocabulary = Vocabulary.read(warehouse.query)
        self.sessions: dict[str, Any] = {}

    def ask(self, question: str, session: str | None) -> dict[str, Any]:
        """Plan, run the calls one by one, compose; remember the turn."""
        from chat import tools
        from chat.answers import compose
        from chat.deterministic_planner import DeterministicPlanner
        from chat.memory import Conversation
        from chat.two_questions import planned

        memory = self.sessions.setdefault(session, Conversation(session)) if session else None
        clock = self.warehouse.query("SELECT MAX(sold_at) AS at FROM fact_ticket_sales")[0]["at"]
        plan = planned(DeterministicPlanner(self.vocabulary), question, clock, memory)
        outcomes = []
        for call in plan.calls:
            try:
                args = tools.parse(call.tool, call.args)
            except ValueError as exc:
                outcomes.append(tools.failed(call.tool, str(exc)))
                continue
            outcomes.append(self.runners[call.tool](args))
        answer = compose(question, plan, outcomes)
        if memory is not None:
            memory.add(
                question, plan.intent, plan.slots, answer["answer"], answer["answered"] and bool(plan.calls)
            )
        return answer
