"""A background service the CLI starts, health-checks and stops: its pid file, log and lifecycle."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why in one line."""


@dataclass(frozen=True)
class ManagedProcess:
    """One service: `name` and `port` name its pid and log files under `data_dir`."""

    name: str
    data_dir: Path
    port: int

    @property
    def pid_file(self) -> Path:
        """Where the pid of the process we started is kept."""
        return self.data_dir / f"{self.name}-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        """The process's stdout and stderr."""
        return self.data_dir / f"{self.name}-{self.port}.log"

    def running_pid(self) -> int | None:
        """The pid from our pid file if that process is alive, else None."""
        try:
            pid = int(self.pid_file.read_text().strip())
            _reap(
                pid
            )  # a child of ours that exited is a zombie until reaped, and kill(pid, 0) succeeds on it
            os.kill(pid, 0)
            return pid
        except (OSError, ValueError):
            return None

    def spawn(
        self, argv: list[str], env: dict[str, str], healthy: Callable[[], bool], *, wait_s: float = 60.0
    ) -> None:
        """Start the process detached (own session, log file) and wait until `healthy()`."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_file.open("ab") as log:
            proc = subprocess.Popen(
                argv,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(proc.pid))
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise ServiceError(
                    f"{self.name} exited with code {proc.returncode}; see {self.log_file}: {self._tail()}"
                )
            if healthy():
                return
            time.sleep(0.1)
        proc.terminate()
        raise ServiceError(
            f"{self.name} not healthy on port {self.port} after {wait_s:.0f}s; see {self.log_file}"
        )

    def stop(self, *, wait_s: float = 30.0) -> bool:
        """SIGTERM the process we started (SIGKILL after `wait_s`); True if one was stopped."""
        pid = self.running_pid()
        if pid is None:
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            _reap(pid)
            try:
                os.kill(pid, 0)
            except OSError:
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
        self.pid_file.unlink(missing_ok=True)
        return True

    def _tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
