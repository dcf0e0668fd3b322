"""The places a shared channel may name: a postcode district, a gazetteer street, a configured
area name, or the default area. Never the reporter's own words, which can name a person or their
home.

The streets come from the hub's gazetteer (bot/prevent/places.py), matched when the concern was
recorded; a partnership adds its own area names with SAFERHUB_AREA_NAMES.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dialogs.parsing import OUTWARD_CODE


@dataclass(frozen=True)
class Gazetteer:
    """The configured area names a shared channel may use, and the area named when none is found."""

    default_area: str
    names: tuple[str, ...] = ()

    @classmethod
    def with_areas(cls, area_names: Iterable[str], default_area: str) -> Gazetteer:
        """The partnership's configured area names."""
        return cls(default_area, tuple(area_names))

    def area_of(
        self, location_text: str, postcode_sector: str, street: str = "", district: str = ""
    ) -> str:
        """The reporter's postcode district ('EC2V'), else the gazetteer `street` the location
        resolved to, else the longest configured area name in the text (as configured), else the
        resolved place's `district`, else the default area."""
        given = postcode_sector.split()[0] if postcode_sector.strip() else ""
        if OUTWARD_CODE.fullmatch(given):
            return given
        if street:
            return street
        found = [name for name in self.names if _mentions(location_text, name)]
        if found:
            return max(found, key=len)
        return district if OUTWARD_CODE.fullmatch(district) else self.default_area


def _mentions(text: str, name: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in name.split())
    return re.search(rf"\b{words}\b", text, re.IGNORECASE) is not None
