"""core.fetchers (migration)."""
