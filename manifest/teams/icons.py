"""Draw the Teams app icons (a white shield) with the standard library only.

Run `python manifest/teams/icons.py` to rewrite color.png (192x192, on the accent colour) and
outline.png (32x32, white outline on transparent), as the Teams manifest requires.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).parent
ACCENT = (0x1F, 0x5C, 0x99, 0xFF)
WHITE = (0xFF, 0xFF, 0xFF, 0xFF)
CLEAR = (0, 0, 0, 0)
Pixel = tuple[int, int, int, int]


def in_shield(u: float, v: float, margin: float = 0.0) -> bool:
    """Whether the point (u, v) of the unit square lies inside the shield, shrunk by `margin`."""
    top, shoulder, tip, half = 0.14 + margin, 0.5, 0.9 - margin, 0.34 - margin
    if not top <= v <= tip:
        return False
    if v <= shoulder:
        return abs(u - 0.5) <= half
    taper = 1 - ((v - shoulder) / (tip - shoulder)) ** 2
    return abs(u - 0.5) <= half * max(taper, 0.0) ** 0.5


def _near_segment(u: float, v: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    """Distance from (u, v) to the segment a-b."""
    du, dv = b[0] - a[0], b[1] - a[1]
    t = max(0.0, min(1.0, ((u - a[0]) * du + (v - a[1]) * dv) / (du * du + dv * dv)))
    return float(((u - a[0] - t * du) ** 2 + (v - a[1] - t * dv) ** 2) ** 0.5)


def in_tick(u: float, v: float) -> bool:
    """Whether (u, v) lies on the tick drawn inside the shield of the colour icon."""
    corner = (0.46, 0.6)
    return (
        min(_near_segment(u, v, (0.36, 0.49), corner), _near_segment(u, v, corner, (0.65, 0.38)))
        < 0.04
    )


def png(size: int, paint: Callable[[float, float], Pixel]) -> bytes:
    """An RGBA PNG of `size` x `size`, sampling `paint` at each pixel centre."""
    rows = bytearray()
    for y in range(size):
        rows.append(0)
        for x in range(size):
            rows.extend(paint((x + 0.5) / size, (y + 0.5) / size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(rows), 9))
        + chunk(b"IEND", b"")
    )


def colour(u: float, v: float) -> Pixel:
    if in_shield(u, v) and not in_tick(u, v):
        return WHITE
    return ACCENT


def outline(u: float, v: float) -> Pixel:
    return WHITE if in_shield(u, v) and not in_shield(u, v, margin=0.09) else CLEAR


def main() -> None:
    """Write both icons next to the manifest."""
    (HERE / "color.png").write_bytes(png(192, colour))
    (HERE / "outline.png").write_bytes(png(32, outline))


if __name__ == "__main__":
    main()
