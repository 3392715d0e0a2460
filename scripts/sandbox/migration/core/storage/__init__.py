"""core.storage (migration)."""
