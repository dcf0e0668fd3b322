"""The recommendations register: items, owners' updates, nudges and the progress report."""
