"""What the CLI's commands share: settings, the local cloud, the deployed stack's resources."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from cloud.clients import client
from cloud.kcl_launcher import KclWorker
from cloud.local_cloud import LocalCloud
from cloud.warehouse_endpoint import WarehouseEndpoint
from cloud.web_server import WebServer
from concert.dashboard import DIST
from concert.settings import CliSettings
from infra.names import Names

BENCH_DIR, BENCH_PORT_OFFSET = "bench", 10  # the benchmarks' own platform (`Runtime.for_bench`)
LOCAL_IDLE_MS = 500  # the local worker's time between GetRecords calls (CONCERT_KCL_IDLE_MS)
LOCAL_PUTS_AT_ONCE = 1  # the local worker's S3 PUTs in flight per batch (CONCERT_KCL_PUTS_AT_ONCE)


@dataclass
class Runtime:
    """The settings in force and the local cloud they describe."""

    settings: CliSettings

    @property
    def cloud(self) -> LocalCloud:
        """The local cloud at the configured port and data directory."""
        return LocalCloud(self.settings.data_dir, self.settings.port, warehouse_url=self.endpoint.url)

    @property
    def endpoint(self) -> WarehouseEndpoint:
        """The local warehouse endpoint (Data API over DuckDB)."""
        return WarehouseEndpoint(
            self.settings.data_dir, self.settings.warehouse_port or self.settings.port + 1
        )

    @property
    def web(self) -> WebServer:
        """The local dashboard web server."""
        return WebServer(self.settings.data_dir, self.settings.web_port or self.settings.port + 2, DIST)

    @property
    def worker(self) -> KclWorker:
        """The local KCL worker."""
        return KclWorker(self.settings.data_dir, self.settings.port)

    def worker_settings(self) -> dict[str, str]:
        """What the KCL worker consumes and writes to, from the stack outputs."""
        o = self.outputs()
        settings = {
            "stream": o["EventsStreamName"],
            "lake_bucket": o["LakeBucketName"],
            "quarantine_bucket": o["QuarantineBucketName"],
            "dlq_url": o["DlqUrl"],
            "application": self.names.kcl_application,
        }
        if self.local:
            # Locally a read every 500 ms: the KCL hands a record over ~3 idle periods after it
            # arrived, so at 100 events/s p95 to queryable was 2.5-2.7 s against 3.5 s at 1 s.
            # Shorter costs more at the stream's rate (more, smaller batches for the one-process
            # local cloud: 200 ms gave p95 8-11 s at 1,000/s). On AWS the worker keeps 1 s: a
            # shard allows 5 GetRecords a second, shared with the live path's Lambda mapping.
            settings["idle_ms"] = os.environ.get("CONCERT_KCL_IDLE_MS", str(LOCAL_IDLE_MS))
            # One PUT at a time: the local cloud is one process, and 4 in flight from each shard
            # made it slower for everyone (`concert bench load --rates 1000`, two rounds: the
            # warehouse p95 16.6 / 16.7 s against 12.0 / 12.8 s, the live p95 13.7 / 13.9 s
            # against 6.6 / 9.7 s). On AWS S3 PUTs wait on the network: 4 at a time.
            settings["puts_at_once"] = os.environ.get("CONCERT_KCL_PUTS_AT_ONCE", str(LOCAL_PUTS_AT_ONCE))
        return settings

    def services_env(self) -> dict[str, str]:
        """Variables the worker needs: the cloud and the warehouse endpoint."""
        return {**self.cloud.env(), **self.endpoint.env()} if self.local else {}

    def for_bench(self) -> Runtime:
        """The local platform benchmarks run on: its own data directory (`<data dir>/bench`) and
        ports (the user's + 10), so a benchmark never writes into the user's platform."""
        bench = self.settings.model_copy(
            update={
                "data_dir": self.settings.data_dir / BENCH_DIR,
                "port": self.settings.port + BENCH_PORT_OFFSET,
                "warehouse_port": None,
                "web_port": None,
            }
        )
        return Runtime(bench)

    @property
    def names(self) -> Names:
        """Every physical name of the environment in force."""
        return self.settings.names

    @property
    def local(self) -> bool:
        """True when the target is the embedded local cloud."""
        return self.settings.target == "local"

    def activate(self) -> None:
        """Point boto3 at the target through the standard variables only.

        For the local target, AWS_ENDPOINT_URL and dummy credentials are set unless the user
        set an endpoint already (then theirs wins). For LocalStack, localstack-client resolves
        the endpoints. For AWS nothing is set: the usual credential chain applies.
        """
        os.environ.setdefault("AWS_REGION", self.settings.region)
        os.environ.setdefault("AWS_DEFAULT_REGION", self.settings.region)
        if self.local and "AWS_ENDPOINT_URL" not in os.environ:
            for key, value in self.cloud.env().items():
                os.environ.setdefault(key, value)
        if self.local:
            os.environ.setdefault("AWS_ENDPOINT_URL_REDSHIFT_DATA", self.endpoint.url)
        if self.settings.target == "localstack":
            os.environ["CONCERT_TARGET"] = "localstack"

    def outputs(self) -> dict[str, str]:
        """The deployed stack's outputs (empty when it is not deployed)."""
        from infra.deploy import stack_outputs

        return stack_outputs(self.names.stack)

    def stream_name(self) -> str:
        """The events stream: from the stack outputs, else the environment's physical name."""
        return self.outputs().get("EventsStreamName", self.names.events_stream)

    def kinesis(self) -> Any:
        """A Kinesis client for the target."""
        return client("kinesis")
