"""Ctrl-C where no command handles it: one line, exit code 130, and no traceback from the CDK
synthesizer's Node process (its exit handler is skipped when it was loaded)."""

from __future__ import annotations

import os
import sys
import types
from typing import Any

import pytest
import typer

from concert import cli


def _interrupted(*_args: Any, **_kwargs: Any) -> None:
    raise typer.Abort()


def test_an_interrupt_is_one_line_and_exit_code_130(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setattr(cli, "app", _interrupted)
    monkeypatch.delitem(sys.modules, "jsii", raising=False)
    assert cli.main(["status"]) == 130
    assert capsys.readouterr().err == "concert: aborted\n"


def test_with_the_synthesizer_loaded_the_process_leaves_without_exit_handlers(
    monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    left: list[int] = []

    def leave(code: int) -> None:
        left.append(code)
        raise SystemExit(code)

    monkeypatch.setattr(cli, "app", _interrupted)
    monkeypatch.setitem(sys.modules, "jsii", types.ModuleType("jsii"))
    monkeypatch.setattr(os, "_exit", leave)
    with pytest.raises(SystemExit):
        cli.main(["deploy"])
    assert left == [130] and capsys.readouterr().err == "concert: aborted\n"
