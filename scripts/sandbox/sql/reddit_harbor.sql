-- opportunities_unified as it stood before the migration: 10000 rows over
-- the last 30 days, and the verifiers' read-only role.
CREATE TABLE opportunities_unified (
  id bigserial PRIMARY KEY,
  submission_id text NOT NULL,
  title text NOT NULL,
  score integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON opportunities_unified (created_at);
INSERT INTO opportunities_unified (submission_id, title, score, created_at)
SELECT 't3_' || lpad(g::text, 8, '0'), 'opportunity ' || g, g % 100,
       now() - interval '30 days' + g * interval '4 minutes'
FROM generate_series(1, 10000) g;
-- A read-only role, as an operator's verification account would be.
CREATE ROLE rollcheck_reader LOGIN;
GRANT SELECT ON ALL TABLES IN SCHEMA public TO rollcheck_reader;
ALTER ROLE rollcheck_reader SET default_transaction_read_only = on;
