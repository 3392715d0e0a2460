"""core.agents (migration)."""
