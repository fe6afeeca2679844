"""The end-to-end tier's shared CLI environment: one local cloud for the whole session (the
chat tests ask questions about the data the CLI tests produced and the models they trained)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cloud.clients import client
from cloud.local_cloud import LocalCloud
from concert.runtime import Runtime
from concert.settings import CliSettings
from concert.stream_stats import read_stream
from schemas import InvalidEvent, parse_event
from tests.conftest import free_port

CONCERT = str(Path(sys.executable).parent / "concert")
UPLOADS = Path(__file__).parent.parent / "fixtures" / "uploads"


@dataclass
class Cli:
    env: dict[str, str]
    cloud: LocalCloud

    def run(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run([CONCERT, *args], env=self.env, capture_output=True, text=True, timeout=timeout)

    def json(self, *args: str, expect: int = 0, timeout: float = 300) -> dict[str, Any]:
        proc = self.run(*args, "--json", timeout=timeout)
        assert proc.returncode == expect, proc.stderr
        return json.loads(proc.stdout)  # type: ignore[no-any-return]

    def stream_ids(self) -> Counter[str]:
        saved = dict(os.environ)
        os.environ.update(self.cloud.env())
        try:
            count = read_stream(client("kinesis"), "concert-events", keep_payloads=True)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        assert count.complete
        return Counter(str(e.event_id) for e in map(_valid_or_none, count.payloads) if e is not None)


def _valid_or_none(payload: bytes) -> Any:
    try:
        return parse_event(payload)
    except InvalidEvent:
        return None  # the malformed drill's records


@pytest.fixture(scope="session")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    """A CLI environment with its own port and data dir; no local cloud running at first."""
    data_dir = tmp_path_factory.mktemp("cli")
    port = free_port(13)  # P..P+2 the platform, P+10..P+12 the benchmarks' own
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CONCERT_"))}
    env.update({"CONCERT_PORT": str(port), "CONCERT_DATA_DIR": str(data_dir), "NO_COLOR": "1"})
    cloud = LocalCloud(data_dir, port)
    cli = Cli(env, cloud)
    yield cli
    cli.run("down")


@contextmanager
def activated(cli: Cli) -> Iterator[Runtime]:
    """This process pointed at the CLI's local cloud (as the CLI points itself), then restored."""
    saved = dict(os.environ)
    os.environ.update({k: v for k, v in cli.env.items() if k.startswith("CONCERT_")})
    try:
        rt = Runtime(CliSettings())
        rt.activate()
        yield rt
    finally:
        os.environ.clear()
        os.environ.update(saved)


def wait_for(check: Callable[[], Any], timeout_s: float, what: str, every_s: float = 1.0) -> Any:
    """The first truthy value of `check`, polled every `every_s` until the bound."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"{what} not within {timeout_s:.0f}s"
        time.sleep(every_s)
