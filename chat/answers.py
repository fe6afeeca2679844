"""The answer to a question, composed from its plan and the outcomes of its tool calls: one
plain sentence or list, the data behind it (`result`), and every call with its SQL. Pure."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

from chat import analytics
from chat.plan import Plan

_MONEY = set(analytics.MONEY)
# Measures that are 0 over no rows (sums and counts); the others (averages, medians, extremes,
# per-order and per-customer figures, sell-through) have no value there: "no sales".
_ADDITIVE = {
    "tickets",
    "revenue",
    "customers",
    "refunds",
    "refund_amount",
    "refund_count",
    "concerts",
    "sold_out",
}
_ADDITIVE |= {"cancelled", "orders", "venues", "capacity", "artists", "customers_refunded"}
_ADDITIVE |= {m for counted in analytics.COUNTED_THROUGH.values() for m in counted}


def _fmt(value: Any, metric: str | None = None) -> str:
    if value is None:
        return "0"
    if metric == "share":  # a percent of a total, whatever it is of
        return f"{float(value):.2f}%"
    if metric == "sell_through":
        return f"{float(value):.1%}"
    if metric in _MONEY:
        return f"${float(value):,.2f}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int | float) else str(value)


def _period_label(label: Any, group: str | None) -> str:
    """A time group's label in words ("May 2025", "Q2 2025"); other labels as they are."""
    text = str(label)
    if group not in analytics.TIME_GROUPS or not re.match(r"\d{4}-\d{2}-\d{2}", text):
        return text
    day = date.fromisoformat(text[:10])
    return {
        "year": f"{day.year}",
        "quarter": f"Q{(day.month - 1) // 3 + 1} {day.year}",
        "month": day.strftime("%B %Y"),
        "week": f"week of {day}",
    }.get(group or "", str(day))


def _listing(
    rows: list[dict[str, Any]], metric: str | None, limit: int = 10, group: str | None = None
) -> str:
    named = Counter(str(r.get("label")) for r in rows)
    shown = "; ".join(
        f"{i}. {_period_label(r.get('label'), group)}"
        # two venues (artists) of one name: each is told by its id
        + (f", {group or 'id'} {r['key']}" if named[str(r.get("label"))] > 1 and "key" in r else "")
        + (f" ({_fmt(r['value'], metric)})" if "value" in r else "")
        for i, r in enumerate(rows[:limit], 1)
    )
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    return shown + more + _tie_at_the_cut(rows[:limit])


def _tie_at_the_cut(rows: list[dict[str, Any]]) -> str:
    """The words saying that the last row shown shares its value with groups the top N left out
    (`tied`: how many groups have that value), so a tie is never hidden; "" when none does."""
    if not rows or "tied" not in rows[-1] or rows[-1].get("value") is None:
        return ""
    last = rows[-1]["value"]
    hidden = int(rows[-1]["tied"] or 0) - sum(1 for r in rows if r.get("value") == last)
    return f"; tied at that value with {hidden} more not shown" if hidden > 0 else ""


def _compared(what: str, rows: list[dict[str, Any]], metric: str | None, periods: bool) -> str:
    """Both sides, then the difference: from the earlier period to the later one, or how far the
    first named thing is ahead of (or behind) the second."""
    values = [r.get("value") for r in rows]
    shown = "; ".join(f"{r.get('label')}: {_side(r.get('value'), metric)}" for r in rows)
    head = f"{what[:1].upper()}{what[1:]}. {shown}"
    if len(values) != 2 or values[0] is None or values[1] is None:
        return head + "."
    a, b = float(values[0]), float(values[1])
    if periods:  # earlier first: the change from it to the later one
        change = b - a
        pct = f" ({change / a:+.1%})" if a else ""
        return (
            f"{head}. Change from {rows[0]['label']} to {rows[1]['label']}: {_signed(change, metric)}{pct}."
        )
    first, second = str(rows[0]["label"]), str(rows[1]["label"])
    if a == b:
        return f"{head}. The same for both."
    ahead, behind, diff = (first, second, a - b) if a > b else (second, first, b - a)
    low = min(a, b)
    pct = f" ({diff / low:.1%} more)" if low else ""
    return f"{head}. {ahead} is ahead of {behind} by {_fmt(diff, metric)}{pct}."


def _side(value: Any, metric: str | None) -> str:
    return "no sales" if value is None else _fmt(value, metric)


def _signed(value: float, metric: str | None) -> str:
    return ("+" if value >= 0 else "-") + _fmt(abs(value), metric)


def compose(question: str, plan: Plan, outcomes: list[dict[str, Any]]) -> dict[str, Any]:
    """The answer object: `answer` (text), `answered`, `intent`, `result`, `calls`."""
    calls = [
        {"tool": c.tool, "args": c.args, "ok": o.get("ok", False), "error": o.get("error")}
        | ({"sql": o["result"]["sql"]} if o.get("ok") and "sql" in (o.get("result") or {}) else {})
        for c, o in zip(plan.calls, outcomes, strict=False)
    ]
    base = {"question": question, "intent": plan.intent, "planner": plan.planner, "calls": calls}
    if not plan.calls:
        return base | {"answer": plan.reply or "", "answered": plan.understood, "result": None}
    failures = [o for o in outcomes if not o.get("ok")]
    if len(outcomes) < len(plan.calls) or failures:
        error = failures[0].get("error") if failures else "a tool call did not return"
        return base | {"answer": f"I couldn't answer that: {error}", "answered": False, "result": None}
    texts, results = [], []
    for i, outcome in enumerate(outcomes):
        text, result = _one(_part(plan, i), outcome)
        texts.append(text)
        results.append(result)
    return base | {
        "answer": "\n".join(texts),
        "answered": True,
        "result": results[0] if len(results) == 1 else results,
    }


def _part(plan: Plan, i: int) -> Plan:
    """The plan of the i-th call: its own part when the question asked two things."""
    if not plan.parts:
        return plan
    part = plan.parts[i]
    return Plan(str(part["intent"]), [plan.calls[i]], dict(part["slots"]), planner=plan.planner)


def _one(plan: Plan, outcome: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    tool, r = outcome["tool"], outcome["result"]
    if tool == "query_warehouse":
        return _query(plan, r)
    if tool == "predict_sales":
        t, v = r["tickets"], r["revenue"]
        text = (
            f"Concert {r['concert_id']} (starts {r['starts_at'][:16]}): "
            f"predicted {_fmt(round(t['predicted']))} "
            f"tickets (80% interval {_fmt(round(t['low_80']))}-{_fmt(round(t['high_80']))}) and "
            f"{_fmt(v['predicted'], 'revenue')} revenue; sold so far {_fmt(r['sold_so_far']['tickets'])} "
            f"tickets. Model {r['model']} {r['version']}."
        )
        if r.get("low_confidence"):
            text += " Low confidence: " + "; ".join(r.get("reasons") or [])
        return text, {"kind": "prediction", **r}
    if tool == "recommend_concerts":
        names = "; ".join(
            f"{i}. {c['artist']} at {c['venue']}, {c['city']} "
            f"({c['starts_at'][:10]}, concert {c['concert_id']})"
            for i, c in enumerate(r["concerts"], 1)
        )
        lead = (
            "Most popular upcoming concerts (no purchase history)" if r.get("cold_start") else "Recommended"
        )
        text = f"{lead} for customer {r['customer_id']}: {names or 'no upcoming concert'}."
        return text, {"kind": "recommendations", **r}
    if tool == "rank_venues":
        where = f" in {r['city'] or r['state']}" if r.get("city") or r.get("state") else ""
        names = "; ".join(
            f"{i}. {v['name']} ({v['city']}, {v['state']})" for i, v in enumerate(r["venues"], 1)
        )
        text = f"Venues{where} by predicted demand over the next {r['period_days']} days: {names or 'none'}."
        return text, {"kind": "venue_ranking", **r}
    if tool == "pipeline_status":
        return _status(r), {"kind": "pipeline_status", **r}
    if tool == "explain_schema":
        if "tables" in r:
            text = "Tables: " + "; ".join(f"{t['name']} ({t['about']})" for t in r["tables"]) + "."
        else:
            cols = ", ".join(f"{c['name']} {c['type']}" for c in r["columns"])
            text = f"{r['table']}: {r['about']}. Columns: {cols}."
        return text, {"kind": "schema", **r}
    return f"{tool} answered.", {"kind": tool, **r}


def _number(value: Any) -> float | None:
    """A value as a number (the Data API gives decimals as text), None when it is not one."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def chart_of(slots: dict[str, Any], rows: list[dict[str, Any]], title: str) -> dict[str, Any] | None:
    """What the dashboard's Chat page draws for an analytics answer: a `timeline` for a breakdown
    by time in time order, `bars` for a ranking, a breakdown or two sides compared (labels as the
    answer words them, values as numbers, the measure and how its numbers read: `money`,
    `percent` (of 100), `fraction` (of 1) or `count`); None for one value."""
    group = slots.get("group")
    if group is None and not slots.get("compare"):
        return None
    points = [
        [_period_label(r["label"], group), value]
        for r in rows
        if r.get("label") is not None and (value := _number(r.get("value"))) is not None
    ]
    if not points:
        return None
    timeline = group in analytics.TIME_GROUPS and not slots.get("rank") and not slots.get("compare")
    unit = "share" if slots.get("share") else slots.get("metric") or "tickets"
    money = "money" if unit in _MONEY else "count"
    reads = {"share": "percent", "sell_through": "fraction"}.get(unit, money)
    return {
        "kind": "timeline" if timeline else "bars",
        "title": title,
        "unit": unit,
        "format": reads,
        "points": points,
    }


def _query(plan: Plan, r: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    rows = r["rows"]
    if plan.intent == "analytics":
        metric = "share" if plan.slots.get("share") else plan.slots.get("metric")
        what = analytics.describe(plan.slots)
        chart = chart_of(plan.slots, rows, f"{what[:1].upper()}{what[1:]}")
        if plan.slots.get("compare"):
            return _compared(what, rows, metric, "periods" in plan.slots["compare"]), {
                "kind": "rows",
                "rows": rows,
                "sql": r["sql"],
                "chart": chart,
            }
        if plan.slots.get("group") is None:
            value = rows[0]["value"] if rows else None
            value = 0 if value is None and metric in _ADDITIVE else value  # no rows: 0 tickets, no median
            shown = "no sales" if value is None else _fmt(value, metric)
            return f"{what[:1].upper()}{what[1:]}: {shown}.", {
                "kind": "scalar",
                "value": value,
                "sql": r["sql"],
            }
        if not rows:
            return f"Nothing found for {what}.", {"kind": "rows", "rows": [], "sql": r["sql"]}
        listed = _listing(rows, metric, 20, plan.slots.get("group"))
        return f"{what[:1].upper()}{what[1:]}: {listed}.", {
            "kind": "rows",
            "rows": rows,
            "sql": r["sql"],
            "chart": chart,
        }
    if plan.intent == "concerts":
        what = "cancelled concerts" if plan.slots.get("cancelled") else "concerts"
        if not rows:
            return f"No {what[:-1]} found.", {"kind": "rows", "rows": [], "sql": r["sql"]}
        if (of := plan.slots.get("of")) in ("artist", "venue"):
            shown = "; ".join(
                f"{x['label']} ({x['concerts']} {'concert' if x['concerts'] == 1 else 'concerts'}, the first "
                f"{str(x['starts_at'])[:16]})"
                for x in rows[:20]
            )
            ones = f"{len(rows)} {of}{'' if len(rows) == 1 else 's'}"
            more = " (the first 20 shown)" if len(rows) > 20 else ""
            return f"{ones} of those {what}{more}: {shown}.", {
                "kind": "rows",
                "rows": rows,
                "sql": r["sql"],
            }
        shown = "; ".join(
            f"{x['label']}, {x['city']} ({str(x['starts_at'])[:16]}, concert {x['key']})" for x in rows[:20]
        )
        return f"{len(rows)} {what}: {shown}.", {"kind": "rows", "rows": rows, "sql": r["sql"]}
    head = f"{r['row_count']} rows" + (f" (first {len(rows)})" if r["row_count"] > len(rows) else "")
    preview = "; ".join(", ".join(f"{k}={v}" for k, v in row.items()) for row in rows[:5])
    return f"{head}: {preview}." if rows else "No rows.", {"kind": "rows", "rows": rows, "sql": r["sql"]}


def _status(r: dict[str, Any]) -> str:
    problems = [f"{n} dead letters in {q}" for q, n in r["dead_letters"].items() if n]
    problems += [
        f"{w['failed']} failed executions of {name}" for name, w in r["workflows"].items() if w["failed"]
    ]
    problems += [f"alarm {a} firing" for a in r["alarms_firing"]]
    wh = r.get("warehouse") or {}
    fresh = (
        f"the warehouse has {wh['events']:,} events, last load {wh['last_load']}"
        if "events" in wh
        else f"the warehouse cannot be read ({wh.get('error')})"
    )
    running = sum(w["running"] for w in r["workflows"].values())
    verdict = "Healthy" if r["healthy"] else "Not healthy: " + ", ".join(problems)
    return f"{verdict}; {fresh}; {running} workflow executions running."
