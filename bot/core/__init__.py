"""The shared kernel every domain uses: the unit of work, the calendar, identity, delivery, charts."""
