"""A background service the CLI starts, health-checks and stops: its pid file, log and lifecycle.

One rule decides whether a service is already running here: the pid file names a live process
that is ours (it listens on the service's port, or its command line is the service's). Such a
process is waited for (bounded, with progress), never doubled, and its pid file is never
overwritten. Starting is serialized by a lock file, so two commands starting at once agree.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

Progress = Callable[[str], None]
PROGRESS_EVERY_S = 10.0

# The command-line mark of each service the CLI runs (`python -m <module>`).
MODULES = {
    "ministack": "cloud.local_cloud_main",
    "dataapi": "cloud.dataapi.server",
    "kcl-worker": "consumers.kcl_worker",
    "web": "cloud.web_server_main",
}


class ServiceError(RuntimeError):
    """A service could not be started or stopped; the message says why in one line."""


@dataclass(frozen=True)
class ManagedProcess:
    """One service: `name` and `port` name its pid and log files under `data_dir`.

    `listens` says whether the service serves on `port` (the KCL worker does not: its port
    names the local cloud it belongs to).
    """

    name: str
    data_dir: Path
    port: int
    listens: bool = True

    @property
    def pid_file(self) -> Path:
        """Where the pid of the process we started is kept."""
        return self.data_dir / f"{self.name}-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        """The process's stdout and stderr."""
        return self.data_dir / f"{self.name}-{self.port}.log"

    @property
    def lock_file(self) -> Path:
        """Held while a command decides whether to start the service, and starts it."""
        return self.data_dir / f"{self.name}-{self.port}.lock"

    def running_pid(self) -> int | None:
        """The pid from our pid file if that process is alive and ours, else None."""
        pid = self._pid_from_file()
        return pid if pid is not None and self._is_ours(pid) else None

    def listener_pid(self) -> int | None:
        """The pid of the process listening on the port (any owner), if one does."""
        if not self.listens:
            return None
        with contextlib.suppress(psutil.Error, OSError):
            for conn in psutil.net_connections(kind="tcp"):
                if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == self.port:
                    return conn.pid
        return None

    def ensure(
        self,
        argv: list[str],
        env: dict[str, str],
        healthy: Callable[[], bool],
        *,
        wait_s: float = 60.0,
        patient_healthy: Callable[[], bool] | None = None,
        progress: Progress | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> bool:
        """Make sure the service runs and answers; True if this call started it.

        Ours already running (or a process of this service found listening on the port, whose
        pid is then recorded): wait up to `wait_s` for it to answer `patient_healthy` (default
        `healthy`), never start a second one. Otherwise run `prepare`, start it detached (own
        session, log file) and wait for `healthy`.
        """
        self.data_dir.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_s
        with self._locked(deadline, progress):
            pid = self.running_pid()
            if pid is None:
                pid = self._adopt()
            if pid is not None:
                self._wait_for_existing(pid, patient_healthy or healthy, deadline, wait_s, progress)
                return False
            if self.listens and healthy():  # somebody else's instance answers on the port: not ours
                return False
            stranger = self.listener_pid()
            if stranger is not None:
                raise ServiceError(
                    f"port {self.port} is held by pid {stranger} ({_cmdline(stranger)}), which does not "
                    f"answer as {self.name}; free the port or choose another"
                )
            if prepare is not None:
                prepare()
            self._spawn(argv, env, healthy, deadline, wait_s)
            return True

    def spawn(
        self, argv: list[str], env: dict[str, str], healthy: Callable[[], bool], *, wait_s: float = 60.0
    ) -> bool:
        """`ensure` without a separate patient check or progress (kept for existing callers)."""
        return self.ensure(argv, env, healthy, wait_s=wait_s)

    def stop(self, *, wait_s: float = 30.0) -> bool:
        """SIGTERM the process we started (SIGKILL after `wait_s`); True if one was stopped.

        A process of this service listening on the port without a pid file (orphaned by an
        older version's failed start) is stopped too.
        """
        pid = self.running_pid() or self._orphan()
        if pid is None:
            self._forget_dead_pid()
            return False
        try:  # a process we started leads its own group (start_new_session): its children too
            group = os.getpgid(pid) if os.getpgid(pid) == pid else None
        except ProcessLookupError:
            group = None
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if not _alive(pid):
                break
            time.sleep(0.1)
        else:
            os.kill(pid, signal.SIGKILL)
            _reap(pid)
        if group is not None:  # what it left behind (the local cloud's Lambda workers) goes too
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True

    # -- the rule's parts ---------------------------------------------------------------------

    def _pid_from_file(self) -> int | None:
        try:
            return int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _is_ours(self, pid: int) -> bool:
        """Alive, and listening on our port or running this service's module."""
        if not _alive(pid):
            return False
        return self._runs_module(pid) or (self.listens and self._listens_on_port(pid))

    def _listens_on_port(self, pid: int) -> bool:
        with contextlib.suppress(psutil.Error, OSError):
            return any(
                c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == self.port
                for c in psutil.Process(pid).net_connections(kind="tcp")
            )
        return False

    def _runs_module(self, pid: int) -> bool:
        module = MODULES.get(self.name)
        if module is None:
            return True  # an unknown service: a live pid from our file is all we can check
        try:
            cmd = psutil.Process(pid).cmdline()
        except psutil.Error:
            return False
        return any(a == "-m" and b == module for a, b in itertools.pairwise(cmd))

    def _orphan(self) -> int | None:
        """A process of this service listening on our port that no live pid file names."""
        pid = self.listener_pid()
        return pid if pid is not None and self._runs_module(pid) else None

    def _adopt(self) -> int | None:
        """Record an orphan of ours in the pid file (it names no live process of ours)."""
        pid = self._orphan()
        if pid is not None:
            self.pid_file.write_text(str(pid))
        return pid

    def _forget_dead_pid(self) -> None:
        pid = self._pid_from_file()
        if pid is not None and not self._is_ours(pid):
            self.pid_file.unlink(missing_ok=True)

    def _wait_for_existing(
        self,
        pid: int,
        healthy: Callable[[], bool],
        deadline: float,
        wait_s: float,
        progress: Progress | None,
    ) -> None:
        started = time.monotonic()
        said = started - PROGRESS_EVERY_S if progress else float("inf")
        first = True
        while True:
            if healthy():
                return
            if not _alive(pid):
                raise ServiceError(
                    f"{self.name} (pid {pid}) exited while we waited for it; "
                    f"see {self.log_file}: {self._tail()}"
                )
            now = time.monotonic()
            if now >= deadline:
                raise ServiceError(
                    f"{self.name} (pid {pid}, ours) is running on port {self.port} but did not answer "
                    f"within {wait_s:.0f}s: it is busy or hung; a second one was not started. Wait and "
                    f"retry, or `concert down` and start again; see {self.log_file}"
                )
            if progress and now - said >= PROGRESS_EVERY_S:
                what = "is running but busy" if first else "is still busy"
                progress(
                    f"{self.name} (pid {pid}, ours) {what}: waiting for it to answer on port {self.port} "
                    f"({now - started:.0f}s of {wait_s:.0f}s)"
                )
                said, first = now, False
            time.sleep(0.2)

    def _spawn(
        self,
        argv: list[str],
        env: dict[str, str],
        healthy: Callable[[], bool],
        deadline: float,
        wait_s: float,
    ) -> None:
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
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self._forget(proc.pid)
                raise ServiceError(
                    f"{self.name} exited with code {proc.returncode}; see {self.log_file}: {self._tail()}"
                )
            if healthy():
                return
            time.sleep(0.1)
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        self._forget(proc.pid)
        raise ServiceError(
            f"{self.name} not healthy on port {self.port} after {wait_s:.0f}s; see {self.log_file}"
        )

    def _forget(self, pid: int) -> None:
        """Remove the pid file if it still names `pid` (a process that did not start)."""
        if self._pid_from_file() == pid:
            self.pid_file.unlink(missing_ok=True)

    @contextlib.contextmanager
    def _locked(self, deadline: float, progress: Progress | None) -> Iterator[None]:
        with self.lock_file.open("a") as fh:
            told = False
            while True:
                try:
                    fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ServiceError(
                            f"another command is still starting {self.name} on port {self.port} "
                            f"({self.lock_file}); retry when it is done"
                        ) from None
                    if progress and not told:
                        progress(f"another command is starting {self.name} on port {self.port}: waiting")
                        told = True
                    time.sleep(0.1)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _tail(self, lines: int = 5) -> str:
        try:
            return " | ".join(self.log_file.read_text(errors="replace").strip().splitlines()[-lines:])
        except OSError:
            return ""


def _alive(pid: int) -> bool:
    """True if `pid` runs (a zombie child of ours is reaped and counts as gone)."""
    _reap(pid)
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    with contextlib.suppress(psutil.Error):
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    return True


def _cmdline(pid: int) -> str:
    with contextlib.suppress(psutil.Error):
        return " ".join(psutil.Process(pid).cmdline())[:120]
    return "unknown"


def _reap(pid: int) -> None:
    """Collect our own child's exit status so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
