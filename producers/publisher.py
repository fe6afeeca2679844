"""The one Kinesis publisher every producer uses.

- Validates what it is given: an invalid event is refused with its reason and never sent.
- Packs records into PutRecords batches within every limit (500 records, 5 MiB, 1 MiB a record).
- Resends only the entries a response marks with an ErrorCode, with bounded exponential
  backoff and full jitter; after the last attempt each still-failing event is reported with
  its error code. Success is reported only for entries the service accepted.
- Keeps a partition key's records in order across concurrent requests: records go to one of
  `lanes` sequential senders by a hash of their key. (A resent entry can still land after a
  later record of its key from the same batch: PutRecords has no ordering across entries of
  one request; consumers do not rely on it.)
- Optional KPL aggregation: user records are aggregated per target shard (predicted from the
  shard hash ranges, as the KPL does) and routed there with an explicit hash key.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from producers.batching import OutRecord, plan_batches, record_problem
from schemas import Envelope, InvalidEvent, parse_event, to_json, validate_event

if TYPE_CHECKING:
    from mypy_boto3_kinesis.type_defs import PutRecordsRequestEntryTypeDef

RETRYABLE_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "KMSThrottlingException",
        "InternalFailure",
        "ServiceUnavailable",
        "ThrottlingException",
        "LimitExceededException",
    }
)
PublishItem = Envelope[Any] | bytes | str | dict[str, Any]


@dataclass(frozen=True, slots=True)
class Accepted:
    """An event the stream accepted, with where it landed."""

    event_id: str
    shard_id: str
    sequence_number: str


@dataclass(frozen=True, slots=True)
class Rejected:
    """An event not in the stream: refused before sending, or failed after every retry."""

    index: int
    event_id: str | None
    reason: str


@dataclass
class PublishReport:
    """Exactly which events were accepted, refused (invalid) and failed (sent, never accepted)."""

    accepted: list[Accepted] = field(default_factory=list)
    refused: list[Rejected] = field(default_factory=list)
    failed: list[Rejected] = field(default_factory=list)
    requests: int = 0
    retried_entries: int = 0
    records_put: int = 0
    bytes_put: int = 0
    elapsed_s: float = 0.0

    def absorb(self, other: PublishReport, index_offset: int) -> None:
        """Add another report's outcome (of items numbered from `index_offset`) to this one."""
        self.accepted.extend(other.accepted)
        self.refused.extend(Rejected(r.index + index_offset, r.event_id, r.reason) for r in other.refused)
        self.failed.extend(Rejected(r.index + index_offset, r.event_id, r.reason) for r in other.failed)
        self.requests += other.requests
        self.retried_entries += other.retried_entries
        self.records_put += other.records_put
        self.bytes_put += other.bytes_put

    @property
    def ok(self) -> bool:
        """True when every event given was accepted."""
        return not self.refused and not self.failed

    def summary(self) -> dict[str, Any]:
        """Counts and the first refusals/failures, for `--json` output."""
        return {
            "accepted": len(self.accepted),
            "refused": len(self.refused),
            "failed": len(self.failed),
            "requests": self.requests,
            "retried_entries": self.retried_entries,
            "records_put": self.records_put,
            "bytes_put": self.bytes_put,
            "elapsed_s": round(self.elapsed_s, 3),
            "events_per_s": round(len(self.accepted) / self.elapsed_s, 1) if self.elapsed_s else None,
            "refusals": [asdict(r) for r in self.refused[:20]],
            "failures": [asdict(r) for r in self.failed[:20]],
        }


class Stream(Protocol):
    """The Kinesis calls the publisher makes: the boto3 `kinesis` client (`KinesisClient`) is one,
    and so is tests/fakes/kinesis.py's `FakeKinesis`. Arguments are typed as boto3-stubs types
    them; answers are read as mappings."""

    def list_shards(self, *, StreamName: str = ..., NextToken: str = ...) -> Mapping[str, Any]:
        """One page of the stream's shards (aggregation routes records by their hash ranges)."""
        ...

    def put_records(
        self, *, StreamName: str, Records: Sequence[PutRecordsRequestEntryTypeDef]
    ) -> Mapping[str, Any]:
        """Put up to 500 records; each entry of the answer says where one went or why not."""
        ...


@dataclass(frozen=True, slots=True)
class _Shard:
    shard_id: str
    start: int
    end: int


def _hash_key(partition_key: str) -> int:
    return int.from_bytes(hashlib.md5(partition_key.encode(), usedforsecurity=False).digest(), "big")


class KinesisPublisher:
    """Publishes events to one stream; thread-safe for a single `publish` call at a time."""

    def __init__(
        self,
        stream_name: str,
        kinesis: Stream,
        *,
        aggregate: bool = False,
        max_attempts: int = 6,
        base_delay_s: float = 0.05,
        max_delay_s: float = 2.0,
        lanes: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        aggregate_max_bytes: int = 256 * 1024,
    ) -> None:
        if max_attempts < 1 or lanes < 1:
            raise ValueError("max_attempts and lanes must be at least 1")
        self.stream_name = stream_name
        self.kinesis = kinesis
        self.aggregate = aggregate
        self.max_attempts = max_attempts
        self.base_delay_s = base_delay_s
        self.max_delay_s = max_delay_s
        self.lanes = lanes
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.aggregate_max_bytes = aggregate_max_bytes
        self._lock = threading.Lock()

    # -- encoding -----------------------------------------------------------------------

    def _encode(
        self, items: Iterable[PublishItem], report: PublishReport, index_of: dict[str, int], start: int = 0
    ) -> Iterator[OutRecord]:
        for index, item in enumerate(items, start):
            try:
                if isinstance(item, Envelope):
                    event: Envelope[Any] = item
                elif isinstance(item, dict):
                    event = validate_event(item)
                else:
                    event = parse_event(item)
            except InvalidEvent as err:
                report.refused.append(Rejected(index, _guess_id(item), err.reason))
                continue
            rec = OutRecord(event.partition_key(), to_json(event), (str(event.event_id),))
            index_of[rec.event_ids[0]] = index
            problem = record_problem(rec)
            if problem:
                report.refused.append(Rejected(index, str(event.event_id), problem))
                continue
            yield rec

    def _aggregated(self, records: Iterator[OutRecord]) -> Iterator[OutRecord]:
        from aws_kinesis_agg.aggregator import RecordAggregator

        shards = self._shards()
        aggregators: dict[str, tuple[RecordAggregator, list[str]]] = {}

        def flush(shard: _Shard, agg: RecordAggregator, ids: list[str]) -> OutRecord | None:
            rec = agg.clear_and_get()
            if rec is None:
                return None
            pk, _ehk, data = rec.get_contents()
            out = OutRecord(pk, data, tuple(ids), explicit_hash_key=str(shard.start))
            ids.clear()
            return out

        for rec in records:
            shard = _shard_for(shards, rec.partition_key)
            agg, ids = aggregators.setdefault(
                shard.shard_id, (RecordAggregator(self.aggregate_max_bytes), [])
            )
            if agg.get_size_bytes() + rec.size + 64 > self.aggregate_max_bytes:
                out = flush(shard, agg, ids)
                if out:
                    yield out
            agg.add_user_record(rec.partition_key, rec.data)
            ids.extend(rec.event_ids)
        for shard_id, (agg, ids) in aggregators.items():
            shard = next(s for s in shards if s.shard_id == shard_id)
            out = flush(shard, agg, ids)
            if out:
                yield out

    def _shards(self) -> list[_Shard]:
        shards: list[_Shard] = []
        kwargs: dict[str, Any] = {"StreamName": self.stream_name}
        while True:
            page = self.kinesis.list_shards(**kwargs)
            for s in page["Shards"]:
                if "EndingSequenceNumber" in s.get("SequenceNumberRange", {}):
                    continue  # closed shard
                r = s["HashKeyRange"]
                shards.append(_Shard(s["ShardId"], int(r["StartingHashKey"]), int(r["EndingHashKey"])))
            if not page.get("NextToken"):
                return shards
            kwargs = {"NextToken": page["NextToken"]}

    # -- sending ------------------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return self.rng.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))

    def _put_batch(self, batch: list[OutRecord], report: PublishReport, index_of: dict[str, int]) -> None:
        pending = batch
        last_error: dict[int, str] = {}
        for attempt in range(1, self.max_attempts + 1):
            results: list[dict[str, Any]]
            try:
                resp = self.kinesis.put_records(
                    StreamName=self.stream_name, Records=[r.entry() for r in pending]
                )
                results = resp["Records"]
            except ClientError as err:
                code = err.response.get("Error", {}).get("Code", "ClientError")
                msg = err.response.get("Error", {}).get("Message", "")
                if code not in RETRYABLE_CODES:
                    self._fail(pending, f"{code}: {msg}", report, index_of)
                    return
                results = [{"ErrorCode": code, "ErrorMessage": msg}] * len(pending)
            except (EndpointConnectionError, ConnectionClosedError, ReadTimeoutError) as err:
                results = [{"ErrorCode": type(err).__name__, "ErrorMessage": str(err)}] * len(pending)
            retry: list[OutRecord] = []
            accepted: list[Accepted] = []
            accepted_bytes = 0
            for rec, res in zip(pending, results, strict=True):
                if "ErrorCode" in res:
                    retry.append(rec)
                    last_error[id(rec)] = f"{res['ErrorCode']}: {res.get('ErrorMessage', '')}".strip(": ")
                else:
                    accepted_bytes += rec.size
                    accepted.extend(
                        Accepted(eid, res["ShardId"], res["SequenceNumber"]) for eid in rec.event_ids
                    )
            with self._lock:
                report.requests += 1
                report.accepted.extend(accepted)
                report.records_put += len(pending) - len(retry)
                report.bytes_put += accepted_bytes
                if retry and attempt < self.max_attempts:
                    report.retried_entries += len(retry)
            if not retry:
                return
            pending = retry
            if attempt < self.max_attempts:
                self.sleep(self._backoff(attempt))
        for rec in pending:
            self._fail([rec], f"{last_error[id(rec)]} (after {self.max_attempts} attempts)", report, index_of)

    def _fail(
        self, recs: list[OutRecord], reason: str, report: PublishReport, index_of: dict[str, int]
    ) -> None:
        with self._lock:
            for rec in recs:
                report.failed.extend(Rejected(index_of.get(eid, -1), eid, reason) for eid in rec.event_ids)

    def publish(
        self, items: Iterable[PublishItem], *, on_progress: Callable[[PublishReport], None] | None = None
    ) -> PublishReport:
        """Validate, batch and put every item; return exactly what was accepted, refused and failed."""
        with self.session(on_progress=on_progress) as session:
            session.send(items)
        return session.report

    def session(self, *, on_progress: Callable[[PublishReport], None] | None = None) -> PublishSession:
        """A sender whose lanes live across calls: several chunks in flight, each key in order."""
        return PublishSession(self, on_progress=on_progress)


class PublishSession:
    """Puts chunk after chunk through the same `lanes` sequential senders, as the KPL does.

    A chunk is handed over without waiting for the previous one's requests: a key's records
    go to one lane, whose single sender keeps them in order across chunks. Each lane holds at
    most two batches queued, so a slow stream slows the caller (backpressure) instead of
    growing memory. Items are numbered across every chunk sent, as in one `publish` call.
    """

    def __init__(
        self, publisher: KinesisPublisher, *, on_progress: Callable[[PublishReport], None] | None = None
    ) -> None:
        self.publisher = publisher
        self.on_progress = on_progress
        self.report = PublishReport()
        self._index_of: dict[str, int] = {}
        self._sent = 0
        self.started = time.monotonic()
        self._executors = [
            ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"kinesis-lane{i}")
            for i in range(publisher.lanes)
        ]
        self._in_flight: list[list[Future[None]]] = [[] for _ in range(publisher.lanes)]

    def __enter__(self) -> PublishSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def send(self, items: Iterable[PublishItem]) -> list[Future[None]]:
        """Encode and queue `items`; return the futures of their requests (done: accepted or failed)."""
        pub, report = self.publisher, self.report
        offset = self._sent
        counted = _Counted(items)
        records: Iterator[OutRecord] = pub._encode(counted, report, self._index_of, offset)
        if pub.aggregate:
            records = pub._aggregated(records)
        futures: list[Future[None]] = []
        lane_records: list[list[OutRecord]] = [[] for _ in range(pub.lanes)]
        for rec in records:
            lane = zlib.crc32(rec.partition_key.encode()) % pub.lanes
            lane_records[lane].append(rec)
            if len(lane_records[lane]) >= 500:
                futures += self._submit(lane, lane_records[lane])
                lane_records[lane] = []
        for lane, recs in enumerate(lane_records):
            if recs:
                futures += self._submit(lane, recs)
        self._sent += counted.n
        return futures

    def _submit(self, lane: int, recs: list[OutRecord]) -> list[Future[None]]:
        futures = []
        for batch in plan_batches(recs):
            queue = self._in_flight[lane]
            while queue and queue[0].done():  # finished: raise what it raised, as a wait would
                queue.pop(0).result()
            while len(queue) >= 2:  # bound memory: at most two batches queued a lane
                queue.pop(0).result()
                if self.on_progress:
                    self.on_progress(self.report)
            fut = self._executors[lane].submit(self.publisher._put_batch, batch, self.report, self._index_of)
            queue.append(fut)
            futures.append(fut)
        return futures

    def close(self) -> PublishReport:
        """Wait for every request, stop the lanes and return the report of everything sent."""
        try:
            for queue in self._in_flight:
                for fut in queue:
                    fut.result()
                    if self.on_progress:
                        self.on_progress(self.report)
                queue.clear()
        finally:
            for ex in self._executors:
                ex.shutdown(wait=True)
        self.report.elapsed_s = time.monotonic() - self.started
        return self.report


class _Counted:
    """Iterates `items` and counts them (invalid ones too), so indices run on across chunks."""

    def __init__(self, items: Iterable[PublishItem]) -> None:
        self._items = items
        self.n = 0

    def __iter__(self) -> Iterator[PublishItem]:
        for item in self._items:
            self.n += 1
            yield item


def _shard_for(shards: list[_Shard], partition_key: str) -> _Shard:
    h = _hash_key(partition_key)
    for s in shards:
        if s.start <= h <= s.end:
            return s
    raise RuntimeError(f"no open shard covers the hash key of {partition_key!r}")


def _guess_id(item: object) -> str | None:
    """The event_id of an invalid item when one can be read, for the report."""
    if isinstance(item, dict):
        v = item.get("event_id")
        return str(v) if v is not None else None
    try:
        import orjson

        obj = orjson.loads(item)  # type: ignore[arg-type]
        return str(obj.get("event_id")) if isinstance(obj, dict) and obj.get("event_id") else None
    except (orjson.JSONDecodeError, TypeError):
        return None
