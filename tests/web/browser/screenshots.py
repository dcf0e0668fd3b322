"""Screenshots of each role's main pages for docs/hub.md, taken by test_screenshots.py.

`SAFERHUB_SCREENSHOTS=docs/hub pytest tests/web/browser/test_screenshots.py` writes them into
docs/hub; without it they go to the test's own folder, so a test run changes nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from tests.web.browser.conftest import Tab


@dataclass(frozen=True)
class Shot:
    """One screenshot: its file name, whose page, and which page (a path, or a button to press
    on the home page to reach a form's first question)."""

    name: str
    email: str
    path: str
    press: str = ""


def shoot(tab: Tab, shot: Shot, folder: Path) -> Path:
    """Save the whole page (1200 pixels wide) as folder/NAME.png, in 64 colours: the pages have
    few, and the files stay small enough to keep in the repository."""
    page: Any = tab.page
    page.goto(tab.url(shot.path))
    if shot.press:
        with page.expect_navigation():
            page.get_by_role("button", name=shot.press).click()
    page.locator("h1").first.wait_for()
    target = folder / f"{shot.name}.png"
    shown = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    shown.quantize(colors=64).save(target, optimize=True)
    return target
