"""One search across tasks (with their comments) and incidents (with their responses)."""
