"""Screenshots of each role's main pages (docs/hub/*.png), small enough to keep in the repo."""

from __future__ import annotations

import os
import struct
from pathlib import Path

from bot.conversation.hub import Hub
from tests.conftest import Person
from tests.prevent.test_alerts import report
from tests.sharing.test_lifecycle import submit_request
from tests.web.browser.conftest import WIDTH, Chrome, OpenTab, Tab, Visit
from tests.web.browser.screenshots import Shot, shoot

LARGEST = 150_000
"""Bytes: a screenshot larger than this does not belong in the repository."""
SHOTS = (
    Shot("sign-in", "", "/hub/sign-in"),
    Shot("staff-home", "alex@example.org", "/hub/"),
    Shot("staff-question", "alex@example.org", "/hub/", press="Log a concern"),
    Shot("data-owner-request", "jordan@example.org", "/hub/records/IR-2026-0001"),
    Shot("prevent-manager-home", "priya@example.org", "/hub/"),
    Shot("prevent-manager-concern", "priya@example.org", "/hub/records/CN-2026-0001"),
    Shot("prevent-manager-queue", "priya@example.org", "/hub/concerns"),
    Shot("prevent-manager-map", "priya@example.org", "/hub/concerns/map"),
    Shot("data-owner-queue", "jordan@example.org", "/hub/requests/queue"),
    Shot("board-register", "chris@example.org", "/hub/requests/register"),
    Shot("board-pack", "chris@example.org", "/hub/requests/board-pack"),
    Shot("coordinator-register", "jamie@example.org", "/hub/recommendations?status=open&rag=red"),
    Shot("admin-home", "admin@example.org", "/hub/"),
    Shot("admin-directory", "admin@example.org", "/hub/directory"),
    Shot("admin-audit", "admin@example.org", "/hub/audit"),
)


def size(png: Path) -> tuple[int, int]:
    """A PNG's width and height, from its header."""
    width, height = struct.unpack(">II", png.read_bytes()[16:24])
    return width, height


async def test_each_roles_main_pages_are_captured_1200_pixels_wide_and_small(
    sample_hub: Hub, visit: Visit, tab: OpenTab, chrome: Chrome, tmp_path: Path
) -> None:
    await submit_request(Person(sample_hub, "alex@example.org"))
    await report(sample_hub, names_target="yes")
    folder = Path(os.environ.get("SAFERHUB_SCREENSHOTS", "") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    tabs: dict[str, Tab] = {}
    for shot in SHOTS:
        if shot.email not in tabs:
            tabs[shot.email] = await (visit(shot.email) if shot.email else tab())
        png = await chrome.run(shoot, tabs[shot.email], shot, folder)
        assert size(png)[0] == WIDTH, (png, size(png))
        assert png.stat().st_size < LARGEST, (png, png.stat().st_size)
