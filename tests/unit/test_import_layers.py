"""The project's packages stand in layers: a module imports its own package and the packages of
lower layers, never a higher layer's nor a neighbour's on its own layer. Every import counts:
at module level, inside functions (the lazy ones), under `if TYPE_CHECKING:`.

A process boundary is not an import: `cloud/kcl_launcher.py` runs `python -m consumers.kcl_worker`
as a child process, and that is allowed (the launcher imports none of the worker's code).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Lowest first. A package may import only the packages of the layers before its own.
LAYERS: tuple[tuple[str, ...], ...] = (
    # The ground floor: the local runtime and the boto3 client factory; the event models.
    ("cloud", "schemas"),
    # What writes events to the streams and what reads them into the lake and the warehouse.
    ("producers", "consumers"),
    # The models and the chat's planning, over the consumers' warehouse.
    ("ml", "chat"),
    # The Lambda handlers: thin, over everything below.
    ("functions",),
    # The CDK app and its deploy; the benchmarks.
    ("infra", "bench"),
    # The command line, which runs all of the above.
    ("concert",),
    ("tests",),
)


def _layer_of(layers: tuple[tuple[str, ...], ...]) -> dict[str, int]:
    return {package: rank for rank, packages in enumerate(layers) for package in packages}


def imports_of(path: Path) -> Iterator[str]:
    """Every absolute module name `path` imports, wherever the import statement stands."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def violations(root: Path, layers: tuple[tuple[str, ...], ...]) -> list[str]:
    """One line per import that runs from a package to a higher layer or a neighbour on its own."""
    rank = _layer_of(layers)
    found = []
    for package in rank:
        for path in sorted((root / package).rglob("*.py")):
            module = ".".join(path.relative_to(root).with_suffix("").parts)
            for imported in imports_of(path):
                target = imported.split(".")[0]
                if target in rank and target != package and rank[target] >= rank[package]:
                    found.append(
                        f"{module} imports {imported}: {package} (layer {rank[package]}) may not "
                        f"import {target} (layer {rank[target]})"
                    )
    return found


def test_no_package_imports_a_higher_layer_or_a_neighbour() -> None:
    assert violations(ROOT, LAYERS) == []


def test_every_package_of_the_project_has_a_layer() -> None:
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert packages - set(_layer_of(LAYERS)) == set(), "place the new package in LAYERS"


def _tree(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


SMALL = (("low",), ("mid", "side"), ("high",))


@pytest.mark.parametrize(
    ("source", "offence"),
    [
        ("import high.cli\n", "low.a imports high.cli"),
        ("from high import cli\n", "low.a imports high"),
        ("def f() -> None:\n    from high.cli import main\n", "low.a imports high.cli"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import mid.b\n", "low.a imports mid.b"),
    ],
)
def test_an_import_of_a_higher_layer_is_named(tmp_path: Path, source: str, offence: str) -> None:
    root = _tree(tmp_path, {"low/__init__.py": "", "low/a.py": source, "high/cli.py": "", "mid/b.py": ""})
    (found,) = violations(root, SMALL)
    assert found.startswith(offence), found


def test_a_neighbour_on_the_same_layer_is_refused(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"mid/b.py": "import side.c\n", "side/c.py": ""})
    assert violations(root, SMALL) == ["mid.b imports side.c: mid (layer 1) may not import side (layer 1)"]


def test_own_package_lower_layers_and_outside_libraries_are_allowed(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "high/cli.py": "import json\nimport low.a\nfrom mid import b\nfrom high import other\nfrom . import other\n",
            "high/other.py": "",
            "low/a.py": "import boto3\n",
            "mid/b.py": "from low.a import x\n",
        },
    )
    assert violations(root, SMALL) == []
