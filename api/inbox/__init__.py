"""The in-app inbox: one notification per recipient and event, per-kind preferences, and the
task digest email queued through the outbox (issue 14)."""
