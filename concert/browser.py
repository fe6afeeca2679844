"""Headless Chromium for the browser tests and the dashboard bench: Debian's chromium with an
explicit executable path, no sandbox (root in CI), background networking off (the machine's
closed network refuses Chromium's own calls home)."""

from __future__ import annotations

import shutil
from typing import Any

CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-sync",
    "--disable-background-networking", "--disable-component-update", "--disable-dev-shm-usage",
)  # fmt: skip


def launch(playwright: Any) -> Any:
    """A headless Chromium browser (RuntimeError when chromium is not installed)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if not executable:
        raise RuntimeError("Debian's chromium is not installed: `make chromium` (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=list(CHROMIUM_ARGS))
