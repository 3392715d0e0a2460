"""core.enrichment (migration)."""
