"""The register's forms: an owner's update, a coordinator's change, a new item."""
