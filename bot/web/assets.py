"""Copy the hub's front-end assets from node_modules (npm ci) into bot/web/static/vendor.

Run by `npm ci` (package.json's postinstall) with nothing but the standard library. GOV.UK's
stylesheet is adjusted on the way: the GDS Transport typeface may only be used on GOV.UK, so
its @font-face rules go and the fallback (Arial) is used; image URLs point where they are served.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "static" / "vendor"
SERVED = "/hub/assets/vendor"
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")


def copy(modules: Path, vendor: Path = VENDOR) -> list[Path]:
    """Copy what the pages use from `modules` into `vendor`; the files written."""
    govuk = modules / "govuk-frontend" / "dist" / "govuk"
    leaflet = modules / "leaflet" / "dist"
    if vendor.exists():
        shutil.rmtree(vendor)
    (vendor / "govuk").mkdir(parents=True)
    css = (govuk / "govuk-frontend.min.css").read_text(encoding="utf-8")
    css = FONT_FACE.sub("", css).replace('"GDS Transport",', "").replace("GDS Transport,", "")
    css = css.replace("url(/assets/images/", f"url({SERVED}/govuk/images/")
    (vendor / "govuk" / "govuk-frontend.min.css").write_text(css, encoding="utf-8")
    shutil.copy2(govuk / "govuk-frontend.min.js", vendor / "govuk")
    shutil.copytree(govuk / "assets" / "images", vendor / "govuk" / "images")
    shutil.copytree(leaflet, vendor / "leaflet", ignore=shutil.ignore_patterns("*.map", "*src*"))
    return sorted(p for p in vendor.rglob("*") if p.is_file())


def main() -> int:
    modules = Path.cwd() / "node_modules"
    if not (modules / "govuk-frontend").is_dir():
        print("node_modules/govuk-frontend is missing: run npm ci first", file=sys.stderr)
        return 1
    written = copy(modules)
    print(f"Copied {len(written)} web asset files into {VENDOR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
