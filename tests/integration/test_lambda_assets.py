"""The AWS Lambda assets, dependencies included (pip, manylinux wheels), fit Lambda's 250 MB
unzipped limit. Long: fetches the wheels (`make test-long`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.bundle import LAMBDA_REQUIREMENTS, ML_REQUIREMENTS, build_lambda_asset

LIMIT = 250 * 1024 * 1024


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


@pytest.mark.slow
@pytest.mark.parametrize("requirements", [LAMBDA_REQUIREMENTS, ML_REQUIREMENTS], ids=["platform", "ml"])
def test_aws_assets_fit_the_unzipped_limit(tmp_path: Path, requirements: tuple[str, ...]) -> None:
    asset = build_lambda_asset(tmp_path / "asset", with_dependencies=True, requirements=requirements)
    assert (asset / "functions").is_dir() and (asset / "ml").is_dir()
    assert not list(asset.rglob("__pycache__")) and not (asset / "boto3").exists()
    assert _size(asset) < LIMIT, f"{_size(asset) / 2**20:.0f} MB"
