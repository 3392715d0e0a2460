"""core.quality_filters (migration)."""
