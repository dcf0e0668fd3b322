"""The composition root's one list: every domain the hub runs, each included once.

A new domain is a folder with a `module.py` defining `MODULE`, and one line here.
"""

from __future__ import annotations

from bot.core.module import DomainModule, Registry
from bot.directory import module as directory
from bot.prevent import module as prevent
from bot.recommendations import module as recommendations
from bot.sharing import module as sharing

MODULES: tuple[DomainModule, ...] = (
    prevent.MODULE,
    sharing.MODULE,
    recommendations.MODULE,
    directory.MODULE,
)

REGISTRY = Registry.compose(MODULES)
"""Every domain's forms, submitters, buttons, options, start gates and sweeps, composed."""
