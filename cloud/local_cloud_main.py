"""The local cloud's process: ministack, with the janitor that keeps its memory bounded (and
idle Lambda workers retired, `cloud.local_idle_workers`), its scratch directory emptied
(`cloud.local_scratch`), and its Kinesis, DynamoDB and S3 patched where the platform leans on
them (`cloud.local_kinesis`, `cloud.local_stream_records`, `cloud.local_dynamodb`,
`cloud.local_s3`).

Run as `python -m cloud.local_cloud_main` by `cloud.local_cloud.LocalCloud.start`.
"""

from __future__ import annotations

import os
import threading

from cloud import local_idle_workers
from cloud.local_dynamodb import patch_dynamodb
from cloud.local_janitor import keep_s_from_env, run
from cloud.local_kinesis import patch_kinesis
from cloud.local_profile import install
from cloud.local_s3 import patch_s3
from cloud.local_scratch import empty, scratch_from_env
from cloud.local_stream_records import patch_stream_records


def main() -> None:
    """Start the janitor thread, then ministack's server (which never returns until stopped)."""
    scratch = scratch_from_env()
    if scratch is not None:
        empty(scratch)  # what a killed run left
    patch_kinesis()
    patch_stream_records()  # after patch_kinesis: it wraps the expiry that one installs
    patch_dynamodb()
    patch_s3()  # its bytes are on disk: LocalCloud.start sets S3_PERSIST
    port = os.environ.get("GATEWAY_PORT", "4566")
    stop = threading.Event()
    threading.Thread(
        target=run, args=(f"http://localhost:{port}", stop), kwargs={"keep_s": keep_s_from_env()},
        name="concert-local-janitor", daemon=True,
    ).start()  # fmt: skip
    threading.Thread(
        target=local_idle_workers.run, args=(stop,), kwargs={"idle_s": local_idle_workers.idle_s_from_env()},
        name="concert-idle-workers", daemon=True,
    ).start()  # fmt: skip
    import ministack.app  # type: ignore[import-untyped]

    profile = None
    if out := os.environ.get("CONCERT_LOCAL_CLOUD_PROFILE"):  # a benchmark's diagnostic
        profile = install(ministack.app.SERVICE_HANDLERS, out)
    memory = None
    if out := os.environ.get("CONCERT_LOCAL_CLOUD_MEMORY"):  # the soak's diagnostic
        from cloud.local_memory import start

        memory = start(out, frames=int(os.environ.get("CONCERT_LOCAL_CLOUD_MEMORY_FRAMES", "1")))
    try:
        ministack.app.main()
    finally:
        stop.set()
        if profile is not None:
            profile.write()
        if memory is not None:
            memory.set()
        if scratch is not None:
            empty(scratch)


if __name__ == "__main__":
    main()
