"""A question written as a call to a statistics API: a query string ("GET /v1/stats?metric=tickets
&state=TX&year=2025 - what comes back?"), a JSON body ({"metric": "revenue", "bucket": "month"})
or command-line flags ("stats top --by tickets --entity venue --limit 1"), read as the question
its parameters ask. Pure.

Only one call is read, and only when it names a metric, a ranking (`--by`) or an entity's field;
each parameter this module knows becomes words the planner reads ("metric=tickets" is "tickets
sold", "state=TX" is "in TX", "from=2025-04-01&to=2025-09-30" is "from 2025-04-01 to 2025-09-30").
A call with a parameter it does not know ("week_start=sunday") is left as written: the planner
says it cannot read it rather than answering without it.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, unquote_plus

_QUERY = re.compile(r"(?:^|[\s'\"(/\w])\?((?:[a-z_]+=[^&\s'\"]*(?:\s[A-Z][^&=\s'\"]*)*&?)+)", re.I)
_JSON = re.compile(r"\{[^{}]*\"[a-z_]+\"\s*:[^{}]*\}", re.I)
_FLAG = re.compile(r"--([a-z][a-z_-]*)(?:[ =]((?:[^-\s][^\s]*)(?: [A-Z][^\s-]*)*))?", re.I)
_METRICS = {
    "tickets": "tickets sold", "revenue": "revenue", "orders": "orders", "refunds": "refunds",
    "avg_order_value": "average order value", "aov": "average order value", "concerts": "concerts",
    "avg_ticket_price": "average ticket price", "customers": "customers", "capacity": "seats",
    "refund_amount": "amount refunded", "venues": "venues",
}  # fmt: skip
_PLACE = {"state": "in", "city": "in", "venue": "at", "artist": "for", "genre": "in the genre"}
_GROUP = ("bucket", "group_by", "group-by", "groupby", "interval")
_BOUND = {
    "capacity_gte": "at least", "capacity_gt": "more than", "capacity_lte": "at most", "capacity_lt": "under",
}  # fmt: skip
_IGNORED = {"format", "pretty", "api_key", "token", "currency"}  # how the answer is sent, not what


def _parameters(text: str) -> tuple[dict[str, str], str] | None:
    """The call's parameters and the text it was found in (None when there is no call)."""
    if (m := _JSON.search(text)) is not None:
        try:
            body = json.loads(m[0])
        except ValueError:
            body = None
        if isinstance(body, dict):
            return {str(k).lower(): str(v) for k, v in body.items()}, m[0]
    if (m := _QUERY.search(text)) is not None:
        pairs = parse_qsl(m[1].replace(" ", "+"), keep_blank_values=True)
        return {k.lower(): unquote_plus(v).strip() for k, v in pairs}, m[0]
    flags = list(_FLAG.finditer(text))
    if len(flags) >= 2:
        return {f[1].lower().replace("-", "_"): (f[2] or "true").strip() for f in flags}, text
    return None


def _period(p: dict[str, str]) -> list[str]:
    words = []
    if "year" in p:
        words.append(f"in {p.pop('year')}")
    if "from" in p and "to" in p:
        words.append(f"from {p.pop('from')} to {p.pop('to')}")
    if "period" in p:
        words.append(p.pop("period").replace("_", " "))
    return words


def read(text: str) -> str:
    """The question an API call in `text` asks, or `text` unchanged."""
    found = _parameters(text)
    if found is None:
        return text
    p = {k: v for k, v in found[0].items() if k not in _IGNORED}
    metric, by, field = p.pop("metric", None), p.pop("by", None), p.pop("fields", None)
    if metric is None and (listed := re.search(r"/v\d+/(venues|artists|concerts)\b", text)):
        metric = listed[1]  # "GET /v1/venues?state=TX&count_only=true": the venues
    if metric is None and by is None and field is None:
        return text
    words: list[str] = []
    limit, entity = p.pop("limit", None), p.pop("entity", None)
    order = "bottom" if p.pop("sort", "desc").lower() in ("asc", "ascending") else "top"
    if p.pop("count_only", "").lower() == "true":
        words.append("how many")
    if field is not None and "name" in p:
        words.append(f"{field.replace('_', ' ')} of {p.pop('name')}")
    elif by is not None and entity is not None:
        words.append(f"{order} {limit or 10} {entity}s by {_METRICS.get(by.lower(), by)}")
    else:
        words.append(_METRICS.get((metric or by or "").lower(), metric or by or ""))
        if limit is not None:
            words.append(f"{order} {limit}")
    for key in _GROUP:
        if key in p:
            words.append(f"by {p.pop(key).replace('_', ' ')}")
    for key, said in _BOUND.items():
        if key in p:
            words.append(f"with a capacity of {said} {p.pop(key)}")
    for key, prep in _PLACE.items():
        if key in p:
            words.append(f"{prep} {p.pop(key)}")
    if "tier" in p:
        words.append(f"in the {p.pop('tier')} tier")
    if "channel" in p:
        words.append(f"via {p.pop('channel')}")
    if p.get("week_start", "").lower() == "monday":
        del p["week_start"]  # the planner's weeks start on Monday (Redshift's DATE_TRUNC)
    words += _period(p)
    if p:  # a parameter not known: the call is left as written, and the planner says it can't read it
        return text
    return " ".join(w for w in words if w)
