"""core.pipeline (migration)."""
