"""Fixtures shared by every tier: the local cloud and the deployed platform, started and ended here."""

from __future__ import annotations

import os
import random
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from cloud.local_cloud import LocalCloud

if TYPE_CHECKING:
    from cloud.warehouse_endpoint import WarehouseEndpoint

ROOT = Path(__file__).resolve().parent.parent


def free_port(span: int = 3) -> int:
    """A TCP port P such that P .. P+span-1 are free now (the local cloud takes P, the warehouse
    endpoint P+1, the web server P+2), below the kernel's ephemeral range, where an outgoing
    connection could take P+1 between the check and the bind."""
    rng = random.Random()
    for _ in range(200):
        port = rng.randrange(20_000, 32_000, span)
        try:
            for p in range(port, port + span):
                with socket.socket() as s:
                    s.bind(("127.0.0.1", p))
        except OSError:
            continue
        return port
    raise RuntimeError("no free port range found")


@dataclass
class Platform:
    """A running local cloud with the stack deployed; `env` points boto3 and the CLI at it."""

    cloud: LocalCloud
    outputs: dict[str, str]
    env: dict[str, str]
    warehouse_port: int


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """ministack on a free port with its own data dir, and the CDK template deployed into it."""
    from infra.deploy import deploy_template
    from infra.synth_cache import synthesize_cached

    warehouse_port = free_port()
    cloud = LocalCloud(
        tmp_path_factory.mktemp("platform"), free_port(), warehouse_url=f"http://localhost:{warehouse_port}"
    )
    saved = dict(os.environ)
    cloud.start()
    try:
        os.environ.update(cloud.env())
        cdk_out, _ = synthesize_cached(for_aws=False)
        result = deploy_template(cdk_out, local=True)
        env = {**cloud.env(), "CONCERT_PORT": str(cloud.port), "CONCERT_DATA_DIR": str(cloud.data_dir)}
        yield Platform(cloud, result.outputs, env, warehouse_port)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        cloud.stop()


@pytest.fixture(scope="session")
def warehouse(platform: Platform) -> Iterator[Platform]:
    """The local Data API endpoint on the platform, with the star schema created."""
    from cloud.clients import client
    from cloud.warehouse_endpoint import WarehouseEndpoint
    from consumers.warehouse.client import DataApiWarehouse

    endpoint = WarehouseEndpoint(platform.cloud.data_dir, platform.warehouse_port)
    endpoint.start(platform.cloud.env())
    saved = dict(os.environ)
    try:
        platform.env.update(endpoint.env())
        os.environ.update(platform.env)
        DataApiWarehouse(client("redshift-data")).create_schema()
        yield platform
    finally:
        os.environ.clear()
        os.environ.update(saved)
        endpoint.stop()


@contextmanager
def own_platform(data_dir: Path) -> Iterator[tuple[Platform, WarehouseEndpoint]]:
    """A local cloud, warehouse endpoint and deployed stack of a module's own (ended on exit)."""
    from cloud.clients import client
    from cloud.warehouse_endpoint import WarehouseEndpoint
    from consumers.warehouse.client import DataApiWarehouse
    from infra.deploy import deploy_template
    from infra.synth_cache import synthesize_cached

    endpoint = WarehouseEndpoint(data_dir, free_port())
    cloud = LocalCloud(data_dir, free_port(), warehouse_url=endpoint.url)
    saved = dict(os.environ)
    cloud.start()
    try:
        endpoint.start(cloud.env())
        env = {**cloud.env(), **endpoint.env()}
        os.environ.update(env)
        outputs = deploy_template(synthesize_cached(for_aws=False)[0], local=True).outputs
        DataApiWarehouse(client("redshift-data")).create_schema()
        yield Platform(cloud, outputs, env, endpoint.port), endpoint
    finally:
        os.environ.clear()
        os.environ.update(saved)
        endpoint.stop()
        cloud.stop()
