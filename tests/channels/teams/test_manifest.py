"""The Teams app package: manifest valid against the v1.30 schema, icons of the required kind."""

from __future__ import annotations

import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest

from bot.channels.teams.package import MANIFEST_DIR, filled_manifest
from bot.cli import main
from bot.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]
SCHEMA = ROOT.parent / "shared" / "schemas" / "teams-manifest.schema.v1.30.json"
APP_ID = "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA.is_file():
        pytest.skip(f"the Teams manifest schema is not at {SCHEMA} (the shared folder is absent)")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    return jsonschema.Draft4Validator(schema)


def errors(validator, manifest) -> list[str]:
    return [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]


def read_png(data: bytes) -> tuple[int, int, list[list[tuple[int, int, int, int]]]]:
    """Width, height and RGBA rows of the unfiltered 8-bit RGBA PNGs the icon script writes."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert (depth, colour) == (8, 6), "8-bit RGBA expected"
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    raw = zlib.decompress(idat)
    stride = width * 4 + 1
    rows = []
    for y in range(height):
        line = raw[y * stride : (y + 1) * stride]
        assert line[0] == 0, "the icon script writes unfiltered rows"
        rows.append([tuple(line[1 + x * 4 : 5 + x * 4]) for x in range(width)])
    return width, height, rows


def test_the_template_manifest_is_valid(validator):
    manifest = json.loads((MANIFEST_DIR / "manifest.json").read_text())
    assert errors(validator, manifest) == []
    assert manifest["manifestVersion"] == "1.30"
    bot = manifest["bots"][0]
    assert sorted(bot["scopes"]) == ["personal", "team"]
    commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert commands == ["report", "request", "actions", "status", "help"]


def test_icons_are_the_sizes_and_kinds_teams_requires():
    width, height, _ = read_png((MANIFEST_DIR / "color.png").read_bytes())
    assert (width, height) == (192, 192)
    width, height, rows = read_png((MANIFEST_DIR / "outline.png").read_bytes())
    assert (width, height) == (32, 32)
    pixels = [p for row in rows for p in row]
    assert all(p[3] in (0, 255) for p in pixels)
    assert all(p[:3] == (255, 255, 255) for p in pixels if p[3]), "the outline is white"
    assert sum(1 for p in pixels if p[3] == 0) > len(pixels) // 2, "on a transparent background"


def test_the_package_command_fills_in_the_app_id_and_host(validator, tmp_path, capsys):
    out = tmp_path / "saferhub.zip"
    code = main(
        [
            "teams",
            "package",
            "--app-id",
            APP_ID,
            "--host",
            "bot.partnership.example",
            "--out",
            str(out),
        ]
    )
    assert code == 0 and str(out) in capsys.readouterr().out
    with zipfile.ZipFile(out) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        assert package.read("color.png") == (MANIFEST_DIR / "color.png").read_bytes()
    assert errors(validator, manifest) == []
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["validDomains"] == ["bot.partnership.example"]
    assert manifest["developer"]["websiteUrl"] == "https://bot.partnership.example/"
    assert "example.org" not in json.dumps(manifest)


@pytest.mark.parametrize(
    ("app_id", "host", "problem"),
    [
        ("not-a-guid", "bot.example.net", "--app-id"),
        (APP_ID, "https://bot.example.net/", "--host"),
        (APP_ID, "bot.example.net/api/messages", "--host"),
    ],
)
def test_a_bad_app_id_or_host_is_refused_with_the_reason(app_id, host, problem, tmp_path, capsys):
    with pytest.raises(ConfigError, match=problem):
        filled_manifest(app_id, host)
    out = tmp_path / "p.zip"
    assert main(["teams", "package", "--app-id", app_id, "--host", host, "--out", str(out)]) == 2
    assert problem in capsys.readouterr().err
    assert not out.exists()
