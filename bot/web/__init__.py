"""The hub's web pages at /hub: a surface like a chat channel, rendered with the GOV.UK Design System."""
