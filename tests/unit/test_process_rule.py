"""The one rule for "is a service of ours already running here", on real processes (no cloud):
the dashboard's web server (listens on a port) and a service that listens on none (as the KCL
worker). A service held busy by SIGSTOP answers nothing while its port stays bound."""

from __future__ import annotations

import os
import queue
import signal
import sys
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from cloud.managed_process import ManagedProcess, ServiceError
from tests.conftest import free_port


def _answers(port: int, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=timeout) as resp:
            return bool(resp.status == 200)
    except (OSError, urllib.error.URLError):
        return False


class Web:
    """The dashboard's web server (`python -m cloud.web_server_main`) as a managed service."""

    def __init__(self, data_dir: Path) -> None:
        self.port = free_port(1)
        self.process = ManagedProcess("web", data_dir, self.port)
        (data_dir / "dist").mkdir()
        (data_dir / "dist" / "index.html").write_text("<html></html>")
        self.argv = [
            sys.executable, "-m", "cloud.web_server_main", "--port", str(self.port),
            "--dist", str(data_dir / "dist"), "--api", "http://127.0.0.1:9", "--ws", "ws://127.0.0.1:9",
        ]  # fmt: skip

    def healthy(self) -> bool:
        return _answers(self.port)

    def ensure(self, wait_s: float, progress: Callable[[str], None] | None = None) -> bool:
        return self.process.ensure(
            self.argv,
            dict(os.environ),
            self.healthy,
            wait_s=wait_s,
            patient_healthy=lambda: _answers(self.port, timeout=5.0),
            progress=progress,
        )


@pytest.fixture
def web(tmp_path: Path) -> Iterator[Web]:
    server = Web(tmp_path)
    yield server
    pid = server.process.running_pid()
    if pid is not None:
        os.kill(pid, signal.SIGCONT)
    server.process.stop(wait_s=10)


def _in_thread(fn: Callable[[], Any]) -> tuple[threading.Thread, queue.Queue[Any]]:
    """Run `fn` in a thread; its result (or exception) arrives on the queue."""
    results: queue.Queue[Any] = queue.Queue()

    def run() -> None:
        try:
            results.put(fn())
        except Exception as exc:
            results.put(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def _children_running(module: str) -> list[int]:
    """Our child processes running `python -m <module>`."""
    return [
        p.pid
        for p in psutil.Process().children(recursive=True)
        if module in p.cmdline() and p.status() != psutil.STATUS_ZOMBIE
    ]


def test_a_busy_service_of_ours_is_waited_for_and_never_doubled(web: Web) -> None:
    assert web.ensure(wait_s=20) is True
    pid = web.process.running_pid()
    assert pid is not None and web.process.listener_pid() == pid
    os.kill(pid, signal.SIGSTOP)  # busy by construction: the port is bound, nothing answers
    said: queue.Queue[str] = queue.Queue()
    thread, result = _in_thread(lambda: web.ensure(wait_s=120, progress=said.put))
    message = said.get(timeout=30)  # the second start says it waits for ours
    assert f"pid {pid}, ours" in message and "busy" in message and str(web.port) in message
    assert _children_running("cloud.web_server_main") == [pid], "no second server was started"
    os.kill(pid, signal.SIGCONT)
    assert result.get(timeout=60) is False, "the running one is reused"
    thread.join(timeout=10)
    assert web.process.pid_file.read_text() == str(pid) and web.healthy()


def test_one_that_never_answers_fails_clearly_and_keeps_the_pid_file(web: Web) -> None:
    web.ensure(wait_s=20)
    pid = web.process.running_pid()
    assert pid is not None
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(ServiceError) as failed:
            web.ensure(wait_s=2)
    finally:
        os.kill(pid, signal.SIGCONT)
    message = str(failed.value)
    assert f"pid {pid}, ours" in message and "did not answer within 2s" in message
    assert "a second one was not started" in message
    assert web.process.pid_file.read_text() == str(pid) and web.process.running_pid() == pid


def test_an_orphan_without_pid_file_is_adopted_and_stoppable(web: Web) -> None:
    web.ensure(wait_s=20)
    pid = web.process.running_pid()
    web.process.pid_file.write_text("999999999")  # what the old failed start left: a dead pid
    assert web.ensure(wait_s=20) is False, "the server listening on the port is ours: reused"
    assert web.process.pid_file.read_text() == str(pid)
    web.process.pid_file.unlink()
    assert web.process.stop(wait_s=10) is True, "`concert down` finds it by its port"
    assert not psutil.pid_exists(pid or -1) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_stale_pid_file_and_a_dead_start_leave_no_false_pid(tmp_path: Path) -> None:
    port = free_port(1)
    service = ManagedProcess("web", tmp_path, port)
    service.pid_file.write_text(str(os.getpid()))  # alive, but not a web server on the port
    assert service.running_pid() is None
    argv = [sys.executable, "-c", "raise SystemExit(3)"]
    with pytest.raises(ServiceError, match="exited with code 3"):
        service.ensure(argv, dict(os.environ), lambda: _answers(port), wait_s=20)
    assert not service.pid_file.exists(), "the pid of a process that did not start is not kept"


def test_a_service_without_a_port_is_ours_while_its_pid_lives(tmp_path: Path) -> None:
    service = ManagedProcess("pauser", tmp_path, 1, listens=False)
    argv = [sys.executable, "-c", "import signal; signal.pause()"]
    started: list[str] = []
    try:
        assert service.ensure(argv, dict(os.environ), lambda: True, prepare=lambda: started.append("x"))
        pid = service.running_pid()
        assert pid is not None
        assert (
            service.ensure(argv, dict(os.environ), lambda: True, prepare=lambda: started.append("x")) is False
        )
        assert started == ["x"] and service.pid_file.read_text() == str(pid)
    finally:
        assert service.stop(wait_s=10) is True
    assert service.running_pid() is None and not service.pid_file.exists()


def test_concurrent_starts_start_one(web: Web) -> None:
    threads = [_in_thread(lambda: web.ensure(wait_s=60)) for _ in range(3)]
    results = sorted(r.get(timeout=90) for _, r in threads)
    assert results == [False, False, True]
    assert len(_children_running("cloud.web_server_main")) == 1
