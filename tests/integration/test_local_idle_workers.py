"""An idle Lambda worker of the emulator itself (a real subprocess running a real handler) is
retired through the emulator's own pool, lock and kill: the names the local cloud leans on."""

from __future__ import annotations

import io
import time
import uuid
import zipfile

from ministack.core import lambda_runtime  # type: ignore[import-untyped]

from cloud.local_idle_workers import retire_idle


def test_a_real_idle_worker_is_retired_and_its_process_ends() -> None:
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("handler.py", "def handler(event, context):\n    return {'echo': event}\n")
    name = f"idle-{uuid.uuid4().hex[:8]}"
    config = {
        "FunctionName": name, "Runtime": "python3.11", "Handler": "handler.handler", "Timeout": 30,
        "MemorySize": 128, "FunctionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{name}",
    }  # fmt: skip
    worker, how = lambda_runtime.acquire_worker(name, config, code.getvalue())
    try:
        assert how == "spawn"
        assert worker.invoke({"n": 1}, "req-1")["result"] == {"echo": {"n": 1}}
        proc = worker._proc
        assert proc is not None and proc.poll() is None
        busy = retire_idle(
            lambda_runtime._workers, lambda_runtime._lock, lambda_runtime.kill_workers,
            idle_s=60, now=time.time() + 3600,
        )  # fmt: skip
        assert busy == 0 and proc.poll() is None, "a worker running an invocation is never retired"
    finally:
        lambda_runtime.release_worker(worker)
    retired = retire_idle(
        lambda_runtime._workers, lambda_runtime._lock, lambda_runtime.kill_workers,
        idle_s=60, now=time.time() + 3600,
    )  # fmt: skip
    assert retired >= 1 and proc.poll() is not None, "the process ended"
    assert not any(name in key for key in lambda_runtime._workers)
