# A sandbox shaped like the pipeline of the rollback plan (reddit_harbor):
# a git work tree with the monolith scripts, the modules the migration added,
# a PostgreSQL database holding opportunities_unified, a crontab, a log.
# Sourced by scripts/rehearse; every function takes the sandbox directory.
#
#   sandbox_create DIR     the pipeline as it stood before the migration (committed),
#                          its backup, then the migration deployed on top
#   sandbox_roll_back DIR  the plan's rollback commands, phase by phase

SANDBOX_PYTHON=${SANDBOX_PYTHON:-/usr/bin/python3}
SANDBOX_ARCHIVE_DATE=20261101

sandbox_log() { printf '    %s\n' "$*"; }

sandbox_psql() {
  local dir=$1; shift
  (set -a; . "$dir/pg/pg.env"; set +a; psql -X -q -v ON_ERROR_STOP=1 -d reddit_harbor "$@")
}

sandbox_write() { mkdir -p "$(dirname "$1")"; cat >"$1"; }

sandbox_write_monoliths() {
  local repo=$1
  sandbox_write "$repo/scripts/core/batch_opportunity_scoring.py" <<'PY'
"""Scores new Reddit submissions and stores them in opportunities_unified."""
import argparse
import logging
import os
import subprocess
import uuid

LOG = os.path.join(os.path.dirname(__file__), "..", "..", "logs", "batch_opportunity_scoring.log")


def store(rows):
    values = ",".join(f"('t3_{uuid.uuid4().hex[:10]}', 'opportunity {i}', {i % 100})" for i in range(rows))
    subprocess.run(["psql", "-X", "-q", "-d", "reddit_harbor", "-c",
                    f"INSERT INTO opportunities_unified (submission_id, title, score) VALUES {values}"],
                   check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    logging.basicConfig(filename=LOG, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("batch_opportunity_scoring")
    log.info("starting batch scoring, limit %d", args.limit)
    done = 0
    while done < args.limit:
        batch = min(25, args.limit - done)
        store(batch)
        done += batch
        log.info("processed %d submissions", done)
    log.info("batch scoring finished")


if __name__ == "__main__":
    main()
PY
  sandbox_write "$repo/scripts/dlt/dlt_trust_pipeline.py" <<'PY'
"""Loads trust scores with DLT (the pre-migration loader)."""


def run():
    return "trust pipeline loaded"


if __name__ == "__main__":
    print(run())
PY
  sandbox_write "$repo/scripts/testing/verify_monoliths.py" <<'PY'
"""Exits 0 when both monoliths import and run their entry points."""
import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
for script in ["scripts/core/batch_opportunity_scoring.py", "scripts/dlt/dlt_trust_pipeline.py"]:
    spec = importlib.util.spec_from_file_location("monolith", ROOT / script)
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    print(f"ok {script}")
sys.exit(0)
PY
}

sandbox_create_repo() {
  local repo=$1
  mkdir -p "$repo"
  sandbox_write "$repo/core/__init__.py" </dev/null
  sandbox_write "$repo/core/scoring.py" <<'PY'
def score(title):
    return min(100, len(title))
PY
  sandbox_write "$repo/tests/test_scoring.py" <<'PY'
from core.scoring import score


def test_score_is_bounded():
    assert score("x" * 500) == 100


def test_score_counts_characters():
    assert score("abc") == 3
PY
  sandbox_write "$repo/scripts/unified/run_unified_pipeline.py" <<'PY'
"""Direct Python access to the pipeline, without the API."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from core.scoring import score  # noqa: E402

print("unified pipeline (direct):", score("direct access"))
PY
  sandbox_write_monoliths "$repo"
  sandbox_write "$repo/.gitignore" <<<"logs/"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=harbor -c user.email=harbor@example.invalid commit -q -m "Monolith pipeline"
}

sandbox_create_database() {
  local dir=$1 root=$2
  "$root/tests/postgres/pg-fixture" start "$dir/pg" 2>/dev/null
  (set -a; . "$dir/pg/pg.env"; set +a; createdb reddit_harbor)
  sandbox_psql "$dir" <<'SQL'
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
SQL
  (set -a; . "$dir/pg/pg.env"; set +a; pg_dump -Fc -d reddit_harbor -f "$dir/backup_$(date +%Y%m%d).dump")
}

# What the operator records before deploying: a baseline of the table (the
# "no data lost" reference) and a snapshot of the crontab.
sandbox_record_before() {
  local dir=$1 rollcheck=$2
  "$rollcheck" db baseline --dsn "$(sandbox_dsn "$dir")" --table opportunities_unified \
    --key submission_id --column created_at --out "$dir/baseline.json" >/dev/null
  "$rollcheck" cron snapshot --file "$dir/crontab" --output "$dir/crontab.snapshot" >/dev/null
}

# How the verifiers connect: as the read-only role, over the unix socket.
sandbox_dsn() {
  local env=$1/pg/pg.env
  echo "host=$(sed -n 's/^PGHOST=//p' "$env") port=$(sed -n 's/^PGPORT=//p' "$env") user=rollcheck_reader dbname=reddit_harbor"
}

# The migration, phases 1-11, as deployed: new modules, the monoliths edited
# in place and archived, the unified pipeline scheduled and running, and the
# duplicates that the new storage layer wrote (the plan's Phase 7 issue).
sandbox_deploy_migration() {
  local dir=$1 repo=$1/reddit_harbor
  local module
  for module in pipeline fetchers enrichment agents quality_filters deduplication storage; do
    sandbox_write "$repo/core/$module/__init__.py" <<<"\"\"\"core.$module (migration).\"\"\""
  done
  sandbox_write "$repo/core/pipeline/orchestrator.py" <<<"print('unified orchestrator')"
  sandbox_write "$repo/core/fetchers/database_fetcher.py" <<<"FETCH = 'database'"
  sandbox_write "$repo/tests/test_pipeline_new.py" <<<"def test_new(): assert True"
  sandbox_write "$repo/api/main.py" <<<"app = 'api'"
  sandbox_write "$repo/sdk/client.py" <<<"client = 'sdk'"
  mkdir -p "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE"
  cp "$repo/scripts/core/batch_opportunity_scoring.py" "$repo/scripts/dlt/dlt_trust_pipeline.py" \
    "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"
  printf '\nfrom core.pipeline import orchestrator  # migrated\n' >>"$repo/scripts/core/batch_opportunity_scoring.py"
  printf '\nfrom core.storage import *  # migrated\n' >>"$repo/scripts/dlt/dlt_trust_pipeline.py"

  cp "$dir/crontab" "$dir/crontab.before"
  sandbox_write "$dir/crontab" <<EOF
SHELL=/bin/sh
PATH=/usr/bin:/bin
*/30 * * * * cd $repo && $SANDBOX_PYTHON scripts/unified/run_unified_pipeline.py >> logs/unified.log 2>&1
EOF
  sandbox_psql "$dir" -c "INSERT INTO opportunities_unified (submission_id, title, score)
    SELECT submission_id, title, score FROM opportunities_unified WHERE id % 500 = 0"
  mkdir -p "$repo/logs"
  # The unified pipeline, running: a process the rollback must stop.
  (cd "$repo" && exec -a run_unified_pipeline.py sleep 3600) &
  echo $! >"$dir/unified.pid"
}

sandbox_create_crontab() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_write "$dir/crontab" <<EOF
SHELL=/bin/sh
PATH=/usr/bin:/bin
0 2 * * * cd $repo && $SANDBOX_PYTHON scripts/core/batch_opportunity_scoring.py >> logs/cron.log 2>&1
EOF
}

sandbox_create() {
  local dir=$1 root=$2 rollcheck=$3
  mkdir -p "$dir"
  sandbox_create_repo "$dir/reddit_harbor"
  sandbox_create_crontab "$dir"
  sandbox_create_database "$dir" "$root"
  sandbox_record_before "$dir" "$rollcheck"
  sandbox_deploy_migration "$dir"
}

# The plan's rollback, phase by phase (docker-compose and mail excepted: the
# sandbox has no containers and no mail; the API is a directory here).
sandbox_roll_back() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 1-3: rm -rf core/pipeline/ core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ tests/test_*_new.py"
  rm -rf "$repo"/core/{pipeline,fetchers,enrichment,agents,quality_filters} "$repo"/tests/test_*_new.py
  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/deduplication/"
  git -C "$repo" checkout HEAD -- scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py
  rm -rf "$repo/core/deduplication"
  sandbox_log "Phase 7: rm -rf core/storage/; pg_restore --clean the backup"
  rm -rf "$repo/core/storage"
  (set -a; . "$dir/pg/pg.env"; set +a
   pg_restore --clean --if-exists -d reddit_harbor "$dir"/backup_*.dump)
  sandbox_log "Phase 9-10: rm -rf api/ sdk/"
  rm -rf "$repo/api" "$repo/sdk"
  sandbox_log "Phase 11: stop the unified pipeline, restore monoliths and cron, restart the old pipeline"
  kill "$(cat "$dir/unified.pid")" 2>/dev/null || true
  cp "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"*.py "$repo/scripts/core/"
  cp "$dir/crontab.before" "$dir/crontab"
  sandbox_restart_monolith "$dir"
}

sandbox_restart_monolith() {
  local dir=$1
  (set -a; . "$dir/pg/pg.env"; set +a; cd "$dir/reddit_harbor" &&
   "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 100)
}

# A rollback done in a hurry, for drills: the verifiers must catch each slip.
# core/pipeline/ stays, the database is not restored (the duplicates stay),
# the unified pipeline keeps running and keeps its cron entry, and the
# restarted monolith logs an error.
sandbox_roll_back_botched() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 1-3: rm -rf core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ (core/pipeline/ forgotten)"
  rm -rf "$repo"/core/{fetchers,enrichment,agents,quality_filters} "$repo"/tests/test_*_new.py
  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/deduplication/"
  git -C "$repo" checkout HEAD -- scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py
  rm -rf "$repo/core/deduplication"
  sandbox_log "Phase 7: rm -rf core/storage/ (the database restore skipped)"
  rm -rf "$repo/core/storage" "$repo/api" "$repo/sdk"
  sandbox_log "Phase 11: monoliths copied back; unified pipeline and its cron entry left in place"
  cp "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"*.py "$repo/scripts/core/"
  sandbox_restart_monolith "$dir"
  printf '%s ERROR batch_opportunity_scoring: enrichment service unreachable\n' \
    "$(date -u '+%Y-%m-%d %H:%M:%S,000')" >>"$repo/logs/batch_opportunity_scoring.log"
}

sandbox_destroy() {
  local dir=$1 root=$2
  if [[ -f $dir/unified.pid ]]; then kill "$(cat "$dir/unified.pid")" 2>/dev/null || true; fi
  "$root/tests/postgres/pg-fixture" stop "$dir/pg" 2>/dev/null || true
  rm -rf -- "$dir"
}
