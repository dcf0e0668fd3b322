"""The directory: partners, people and agreements, imported from CSV; the organisation question."""
