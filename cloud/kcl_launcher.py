"""The KCL worker as a managed process of the CLI (`python -m consumers.kcl_worker`)."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from cloud.managed_process import ManagedProcess, Progress


@dataclass(frozen=True)
class KclWorker:
    """One worker process, its pid and log under `data_dir`."""

    data_dir: Path
    port: int  # the local cloud's port: names the files so several clouds can coexist

    @property
    def process(self) -> ManagedProcess:
        """Pid and log files of the worker."""
        return ManagedProcess("kcl-worker", self.data_dir, self.port, listens=False)

    def started(self) -> bool:
        """True once the worker logged that its scheduler runs."""
        try:
            return (
                '"worker started"'
                in self.process.log_file.read_text(errors="replace").split("worker stopped")[-1]
            )
        except OSError:
            return False

    def start(
        self, env: dict[str, str], settings: dict[str, str], *, progress: Progress | None = None
    ) -> bool:
        """Start the worker unless ours is running (then wait until it started); False if it was."""
        full = {**os.environ, **env, **{f"CONCERT_KCL_{k.upper()}": v for k, v in settings.items()}}
        return self.process.ensure(
            [sys.executable, "-m", "consumers.kcl_worker"],
            full,
            self.started,
            wait_s=120,
            progress=progress,
            prepare=lambda: self.process.log_file.unlink(missing_ok=True),
        )

    def stop(self) -> bool:
        """Graceful stop (the scheduler releases its leases)."""
        return self.process.stop(wait_s=60)
