"""The outbox: every proactive message is delivered from here, exactly once."""
