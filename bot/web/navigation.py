"""The hub header's links: each page group names the roles that see its link."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavLink:
    """A header link to `path` (under /hub) for anyone holding one of `roles` (everyone if none)."""

    label: str
    path: str
    roles: frozenset[str] = frozenset()

    def shown_to(self, roles: frozenset[str]) -> bool:
        return not self.roles or bool(self.roles & roles)
