"""Task comments with @mentions, and task watchers (issue 14)."""
