"""Screenshots of the queue and the supervisor page on a busy day's demo data, for the README.

In the suite they go to tests/artifacts/; ``scripts/screenshots`` sets VOICE_SCREENSHOTS_DIR=docs/images
and runs this file alone, so the committed pictures always come from this code.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser


def test_screenshots_of_the_queue_and_the_supervisor_page(page, live_server, artifacts) -> None:
    folder = Path(os.environ.get("VOICE_SCREENSHOTS_DIR") or artifacts)
    folder.mkdir(parents=True, exist_ok=True)
    page.goto(f"{live_server}/ops/")
    page.wait_for_selector("#waiting tbody tr")
    page.screenshot(path=str(folder / "dashboard-queue.png"))
    page.goto(f"{live_server}/ops/supervisor")
    page.wait_for_selector("#weekly svg")
    page.screenshot(path=str(folder / "dashboard-supervisor.png"), full_page=True)
    for name in ("dashboard-queue.png", "dashboard-supervisor.png"):
        assert (folder / name).stat().st_size > 10_000
