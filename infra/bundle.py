"""Build the Lambda code asset without Docker.

The asset holds the project's own packages that handlers import. For the local cloud that
is all: ministack runs Python functions with its own interpreter, which has the project's
dependencies installed. For AWS (`with_dependencies=True`) the runtime dependencies are
added as manylinux wheels for the Lambda platform, fetched by pip, never built locally.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("schemas", "producers", "consumers", "functions", "ml", "chat")
LAMBDA_REQUIREMENTS = (
    "pydantic>=2.10,<3",
    "pydantic-settings>=2.6",
    "orjson>=3.10",
    "aws-kinesis-agg>=1.2.3",
    "defusedxml>=0.7",
    "pyjwt>=2.10",
    "aws-lambda-powertools[tracer]>=3.20",
    "pyarrow>=17",
    "sqlglot>=30.31",
    "rapidfuzz>=3.9",  # entity resolution in the ETL's load cycle (~3 MB)
)
SKLEARN = "scikit-learn==1.7.2"  # the newest with manylinux2014 wheels for Python 3.11
# The ML functions (retraining, predictions) get their own AWS asset: scikit-learn and scipy
# with pyarrow would not fit in 250 MB, and they need no pyarrow.
ML_REQUIREMENTS = (
    "pydantic>=2.10,<3",
    "pydantic-settings>=2.6",
    "aws-lambda-powertools[tracer]>=3.20",
    "pyjwt>=2.10",  # the api function mints WebSocket tickets
    SKLEARN,
    "joblib>=1.4",
)
# The SageMaker scikit-learn container installs this from the source archive: the same
# scikit-learn as the Lambda functions that load its models (the image needs Python 3.10+).
TRAINING_REQUIREMENTS = ("pydantic>=2.10,<3", SKLEARN)
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "tests", "*.md")
# The Lambda Python runtime ships these (dependencies of the SDK): not copied into the asset,
# which keeps it well under the 250 MB unzipped limit (pyarrow alone is ~140 MB).
RUNTIME_PROVIDED = (
    "boto3", "botocore", "s3transfer", "jmespath", "dateutil", "python_dateutil", "urllib3", "six",
)  # fmt: skip


def build_lambda_asset(
    out_dir: Path, *, with_dependencies: bool = False, requirements: tuple[str, ...] = LAMBDA_REQUIREMENTS
) -> Path:
    """Write the asset directory (replacing any older one) and return its path."""
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    for pkg in PACKAGES:
        src = ROOT / pkg
        if src.is_dir():
            shutil.copytree(src, out_dir / pkg, ignore=_IGNORE)
    if with_dependencies:
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-compile",
                "--target",
                str(out_dir),
                "--platform",
                "manylinux2014_x86_64",
                "--implementation",
                "cp",
                "--python-version",
                "3.11",
                "--only-binary=:all:",
                *requirements,
            ],
            check=True,
        )
        for path in out_dir.iterdir():
            name = path.name.split("-")[0].removesuffix(".py")
            if name in RUNTIME_PROVIDED:
                shutil.rmtree(path) if path.is_dir() else path.unlink()
        shutil.rmtree(out_dir / "bin", ignore_errors=True)
        # Test suites of the dependencies (scipy's alone is tens of MB) are never imported.
        for tests in [p for p in out_dir.rglob("tests") if p.is_dir()]:
            shutil.rmtree(tests, ignore_errors=True)
        # Nor the byte code a wheel may ship (numpy's distutils does): built for another interpreter.
        for cache in [p for p in out_dir.rglob("__pycache__") if p.is_dir()]:
            shutil.rmtree(cache, ignore_errors=True)
    return out_dir


def build_training_source(out_file: Path) -> Path:
    """The SageMaker script-mode source archive (`sagemaker_submit_directory`): the `ml`,
    `schemas` and `consumers` packages (pure code the models import), the entry points at its
    root, and a requirements.txt."""
    import io
    import tarfile

    out_file.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(out_file, "w:gz") as tar:
        for pkg in ("ml", "schemas", "consumers"):
            tar.add(ROOT / pkg, arcname=pkg, filter=lambda t: None if "__pycache__" in t.name else t)
        for entry in sorted((ROOT / "ml").glob("train_*.py")):
            tar.add(entry, arcname=entry.name)
        body = ("\n".join(TRAINING_REQUIREMENTS) + "\n").encode()
        info = tarfile.TarInfo("requirements.txt")
        info.size = len(body)
        tar.addfile(info, io.BytesIO(body))
    return out_file
