"""`saferhub teams package`: the Teams app package (manifest and icons) for one deployment.

manifest/teams/manifest.json holds a placeholder app id and host; the package fills in the bot's
Microsoft App ID (as both the app id and the bot id) and the host it is served from, and zips
them with the two icons, ready to upload to Teams.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from bot.config import ConfigError

MANIFEST_DIR = Path(__file__).resolve().parents[3] / "manifest" / "teams"
PLACEHOLDER_ID = "00000000-0000-0000-0000-000000000000"
PLACEHOLDER_HOST = "saferhub.example.org"
FILES = ("manifest.json", "color.png", "outline.png")
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def filled_manifest(app_id: str, host: str, source: Path = MANIFEST_DIR) -> dict[str, object]:
    """The manifest with the app id and host filled in; ConfigError when either is malformed."""
    if not GUID.match(app_id):
        raise ConfigError(
            f"--app-id must be the bot's Microsoft App ID (a GUID such as {PLACEHOLDER_ID}), "
            f"not {app_id!r}"
        )
    host = host.strip().lower()
    if not HOST.match(host):
        raise ConfigError(
            f"--host must be the public host name the bot is served from (for example "
            f"bot.example.org, without https:// or a path), not {host!r}"
        )
    path = source / "manifest.json"
    if not path.is_file():
        raise ConfigError(f"The Teams manifest template is missing: {path}")
    text = path.read_text(encoding="utf-8")
    manifest: dict[str, object] = json.loads(
        text.replace(PLACEHOLDER_ID, app_id.lower()).replace(PLACEHOLDER_HOST, host)
    )
    return manifest


def write_package(app_id: str, host: str, out: Path, source: Path = MANIFEST_DIR) -> Path:
    """Write the upload zip to `out`: manifest.json and the icons at its root."""
    manifest = filled_manifest(app_id, host, source)
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2) + "\n")
        for name in FILES[1:]:
            package.write(source / name, name)
    return out
