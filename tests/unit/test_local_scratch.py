"""The local cloud's scratch directory is emptied, not removed, and created when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from cloud.local_scratch import SCRATCH_ENV, empty, scratch_from_env


def test_empty_removes_directories_files_and_links_but_keeps_the_directory(tmp_path: Path) -> None:
    scratch = tmp_path / "scratch"
    (scratch / "ministack-lambda-a-1" / "code").mkdir(parents=True)
    (scratch / "ministack-lambda-a-1" / "code" / "app.py").write_text("x")
    (scratch / "loose.log").write_text("y")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("z")
    (scratch / "link").symlink_to(outside, target_is_directory=True)

    assert empty(scratch) == 3
    assert scratch.is_dir() and list(scratch.iterdir()) == []
    assert (outside / "keep.txt").read_text() == "z", "a link is removed, never followed"


def test_empty_creates_a_missing_directory(tmp_path: Path) -> None:
    assert empty(tmp_path / "new") == 0 and (tmp_path / "new").is_dir()


def test_the_scratch_directory_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(SCRATCH_ENV, raising=False)
    assert scratch_from_env() is None
    monkeypatch.setenv(SCRATCH_ENV, str(tmp_path))
    assert scratch_from_env() == tmp_path
