"""core.deduplication (migration)."""
