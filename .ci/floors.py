"""Print a pip constraints file pinning every direct dependency (and the dev extra) to its floor.

CI installs the project with it into a second virtualenv and runs the suite there, so each
`>=` in pyproject.toml is a tested claim. A dependency without a floor stops the run.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")


def floors(pyproject: Path, extras: list[str]) -> list[str]:
    """`name==floor` for each requirement of the project and of `extras`."""
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    pins: dict[str, str] = {}
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        floor = re.search(r"(?:>=|~=)\s*([^,\s;]+)", match.group(2)) if match else None
        if match is None or floor is None:
            sys.exit(f"{pyproject}: '{requirement}' has no '>=' floor to test")
        pins[match.group(1).lower()] = floor.group(1)
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


if __name__ == "__main__":
    print("\n".join(floors(Path(sys.argv[1]), sys.argv[2:])))
