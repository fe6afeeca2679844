"""The README and docs/ point only inside the repository, at files that are there: every
relative link resolves in the repository, and every path written in backticks that starts
with one of its folders exists (after a move, a stale path fails here)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BUILT = ("web/dist", "build/")  # made by `make web` and synthesis, never committed
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_PATH = re.compile(r"`([A-Za-z_]+/[\w./-]*)`")


def _folders() -> set[str]:
    return {
        p.name
        for p in ROOT.iterdir()
        if p.is_dir()
        and not p.name.startswith(".")
        and p.name != "build"
        and not p.name.endswith(".egg-info")
    }


def stale_paths(docs: list[Path], root: Path, folders: set[str]) -> list[str]:
    """`doc: path` for each link leaving `root` or missing, and each missing backticked path."""
    found = []
    for doc in docs:
        text = doc.read_text()
        for match in LINK.finditer(text):
            target = match.group(1).split("#")[0]
            if not target or re.match(r"[a-z]+:", target):  # an anchor, or a URL (https:, mailto:)
                continue
            path = (doc.parent / target).resolve()
            if root.resolve() not in path.parents or not path.exists():
                found.append(f"{doc.name}: {target}")
        for match in CODE_PATH.finditer(text):
            written = match.group(1)
            ours = written.split("/")[0] in folders and "*" not in written and not written.startswith(BUILT)
            if ours and not (root / written).exists():
                found.append(f"{doc.name}: {written}")
    return found


def test_docs_name_only_paths_that_exist_in_the_repository() -> None:
    assert stale_paths(DOCS, ROOT, _folders()) == []


def test_a_link_outside_the_repository_and_a_moved_path_are_found(tmp_path: Path) -> None:
    (tmp_path / "cloud").mkdir()
    (tmp_path / "cloud" / "clients.py").write_text("")
    doc = tmp_path / "README.md"
    doc.write_text(
        "See [the design](../shared/ARCHITECTURE.md), [the web](https://example.org) and "
        "[clients](cloud/clients.py); `cloud/clients.py` is here, `concert/aws.py` moved.\n"
    )
    assert stale_paths([doc], tmp_path, {"cloud", "concert"}) == [
        "README.md: ../shared/ARCHITECTURE.md",
        "README.md: concert/aws.py",
    ]
