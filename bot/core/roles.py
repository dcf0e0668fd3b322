"""The roles a person can hold in the directory (people.csv's `roles` column)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """A role in the partnership; stored as its value, compared as a string."""

    STAFF = "staff"
    PREVENT_MANAGER = "prevent_manager"
    PREVENT_LEAD = "prevent_lead"
    """An organisation's own Prevent lead, named to its staff when a concern is about a person."""
    DATA_OWNER = "data_owner"
    AUTHORISER = "authoriser"
    """Signs off their own organisation's information requests to partners that require it."""
    INFORMATION_GOVERNANCE = "information_governance"
    CHALLENGE_REVIEWER = "challenge_reviewer"
    DPO = "dpo"
    COORDINATOR = "coordinator"
    CHAIR = "chair"
    BOARD = "board"
    ADMIN = "admin"
