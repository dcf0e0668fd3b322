"""The places a shared channel may name: a postcode district, a known street or area, or the
default area. Never the reporter's own words, which can name a person or their home.

The streets are the City of London's main streets and localities (public names, nothing
personal); a partnership adds its own area names with SAFERHUB_AREA_NAMES.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from dialogs.parsing import OUTWARD_CODE

STREETS: tuple[str, ...] = (
    "Aldersgate Street",
    "Aldgate",
    "Aldgate High Street",
    "Barbican",
    "Beech Street",
    "Bishopsgate",
    "Blackfriars",
    "Bread Street",
    "Cannon Street",
    "Carter Lane",
    "Charterhouse Street",
    "Cheapside",
    "Chiswell Street",
    "Coleman Street",
    "Cornhill",
    "Eastcheap",
    "Fann Street",
    "Farringdon Street",
    "Fenchurch Street",
    "Fleet Street",
    "Golden Lane",
    "Gracechurch Street",
    "Gresham Street",
    "Holborn Viaduct",
    "Houndsditch",
    "King William Street",
    "Leadenhall Street",
    "Liverpool Street",
    "Lombard Street",
    "London Wall",
    "Long Lane",
    "Lower Thames Street",
    "Ludgate Hill",
    "Mansell Street",
    "Milk Street",
    "Minories",
    "Moorgate",
    "New Change",
    "Newgate Street",
    "Old Broad Street",
    "Old Jewry",
    "Queen Street",
    "Queen Victoria Street",
    "Silk Street",
    "Smithfield",
    "St Paul's Churchyard",
    "Threadneedle Street",
    "Tower Hill",
    "Upper Thames Street",
    "Victoria Embankment",
    "Watling Street",
    "West Smithfield",
    "Whitecross Street",
    "Wood Street",
)


@dataclass(frozen=True)
class Gazetteer:
    """The known names a shared channel may use, and the area named when none is found."""

    default_area: str
    names: tuple[str, ...] = STREETS

    @classmethod
    def with_areas(cls, area_names: Iterable[str], default_area: str) -> Gazetteer:
        """The built-in streets plus the partnership's configured area names."""
        return cls(default_area, (*STREETS, *area_names))

    def area_of(self, location_text: str, postcode_sector: str) -> str:
        """The postcode district ('EC2V'), else the longest known name in the text (as the
        gazetteer spells it), else the default area."""
        district = postcode_sector.split()[0] if postcode_sector.strip() else ""
        if OUTWARD_CODE.fullmatch(district):
            return district
        found = [name for name in self.names if _mentions(location_text, name)]
        return max(found, key=len) if found else self.default_area


def _mentions(text: str, name: str) -> bool:
    words = r"\s+".join(re.escape(word) for word in name.split())
    return re.search(rf"\b{words}\b", text, re.IGNORECASE) is not None
