-- What the migration's storage layer wrote twice (the plan's Phase 7 issue):
-- one row in 500 again, under a new id.
INSERT INTO opportunities_unified (submission_id, title, score)
    SELECT submission_id, title, score FROM opportunities_unified WHERE id % 500 = 0
