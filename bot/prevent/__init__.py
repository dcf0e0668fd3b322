"""Prevent: concerns, their triage and alerts, tension areas and trigger events."""
