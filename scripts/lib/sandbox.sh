# A sandbox shaped like the pipeline of the rollback plan (reddit_harbor):
# a git work tree with the monolith scripts, the modules the migration added,
# a PostgreSQL database holding opportunities_unified, a crontab, a log, and
# the migration's HTTP API on a local port.
# Sourced by scripts/rehearse; every function takes the sandbox directory.
#
#   sandbox_create DIR ROOT ROLLCHECK   the pipeline as it stood before the
#                              migration (committed), its backup, baseline and
#                              crontab snapshot, then the migration deployed
#   sandbox_roll_back DIR      the plan's rollback commands, phase by phase
#   sandbox_roll_back_botched DIR   a careless rollback, for drills
#   sandbox_write_target DIR   DIR/target.toml (and DIR/env.sh) for the phase suites
#   sandbox_start_api DIR [APP], sandbox_start_unified DIR, sandbox_write_api APP
#                              the migration's processes and the API's files, which
#                              the fault drills (scripts/lib/faults.sh) bring back
#   sandbox_destroy DIR ROOT   stop what the sandbox started and its PostgreSQL, remove DIR
#   sandbox_clean DIR ROOT     the same for a kept sandbox; refused unless DIR is one
#
# What the sandbox started is recorded in DIR: the API's port (api.port) and
# the pids of the API, the unified pipeline and the restarted monolith
# (api.pid, unified.pid, monolith.pid). Its PostgreSQL cluster lives outside
# DIR, in the directory DIR/pg/cluster names. DIR/.rollcheck-sandbox marks DIR
# as a sandbox.

SANDBOX_PYTHON=${SANDBOX_PYTHON:-/usr/bin/python3}
SANDBOX_ARCHIVE_DATE=20261101
SANDBOX_MARKER=.rollcheck-sandbox

sandbox_log() { printf '    %s\n' "$*"; }

# sandbox_pg DIR COMMAND...: COMMAND with the sandbox's PostgreSQL in its
# environment (PGHOST, PGPORT, PGUSER), as in the operator's shell.
sandbox_pg() {
  local dir=$1; shift
  (set -a; . "$dir/pg/pg.env"; set +a; "$@")
}

sandbox_psql() {
  local dir=$1; shift
  sandbox_pg "$dir" psql -X -q -v ON_ERROR_STOP=1 -d reddit_harbor "$@"
}

sandbox_write() { mkdir -p "$(dirname "$1")"; cat >"$1"; }

# The command the pipeline's cron entry runs (0 2 * * *), before the
# migration and again after the rollback.
sandbox_cron_command() {
  echo "cd $1/reddit_harbor && $SANDBOX_PYTHON scripts/core/batch_opportunity_scoring.py >> logs/cron.log 2>&1"
}

# Runs one of the plan's commands in the work tree, with the database in its
# environment as in the operator's shell. Shows the command's last line; when
# it fails, all of its output, and the rehearsal stops (exit 2): the rollback
# itself did not go through, so there is nothing to verify.
sandbox_run() {
  local dir=$1; shift
  local output rc=0
  output=$(set -a; . "$dir/pg/pg.env"; set +a; cd "$dir/reddit_harbor" && "$@" 2>&1) || rc=$?
  if [[ $rc -ne 0 ]]; then
    printf '%s\n' "$output" | sed 's/^/      /' >&2
    echo "sandbox: '$*' exited $rc; the rollback stops here" >&2
    return 2
  fi
  if [[ -n $output ]]; then printf '      %s\n' "${output##*$'\n'}"; fi
}

# --- processes the sandbox starts ---------------------------------------------

# A free TCP port on 127.0.0.1: bind to port 0 and read what the kernel chose.
sandbox_free_port() {
  "$SANDBOX_PYTHON" - <<'PY'
import socket
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
PY
}

# True when something accepts connections on 127.0.0.1:PORT.
sandbox_port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True while PID runs (a zombie has ended: it only waits to be reaped).
sandbox_alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ ${stat%% *} != Z ]]
}

# True when PID is one of the sandbox's: its working directory is inside DIR.
# A recorded pid of a sandbox kept for days may belong to another process by now.
sandbox_owns() {
  local dir=$1 pid=$2 cwd
  cwd=$(readlink "/proc/$pid/cwd" 2>/dev/null) || return 1
  [[ $cwd == "$dir" || $cwd == "$dir"/* ]]
}

# sandbox_stop DIR NAME [SIGNAL]: stops the process recorded in DIR/NAME.pid,
# if it still runs and is the sandbox's, and waits for it to end (SIGKILL
# after 10 s).
sandbox_stop() {
  local dir=$1 name=$2 signal=${3:-TERM} pid deadline
  [[ -f $dir/$name.pid ]] || return 0
  pid=$(<"$dir/$name.pid")
  sandbox_alive "$pid" && sandbox_owns "$dir" "$pid" || return 0
  kill -s "$signal" "$pid" 2>/dev/null || true
  deadline=$((SECONDS + 10))
  while sandbox_alive "$pid"; do
    if ((SECONDS >= deadline)); then
      kill -s KILL "$pid" 2>/dev/null || true
      deadline=$((SECONDS + 10))
      signal=KILL
    fi
    sleep 0.1
  done
  sandbox_log "  stopped $name (pid $pid, SIG$signal)"
}

# The migration's API (the plan's Phases 9-10), on the port chosen at creation,
# served from APP/api/server.py (APP: the work tree unless given; it must lie
# inside DIR, where sandbox_stop knows the sandbox's processes).
sandbox_start_api() {
  local dir=$1 app=${2:-$1/reddit_harbor} port pid deadline
  port=$(<"$dir/api.port")
  (cd "$app" && exec "$SANDBOX_PYTHON" api/server.py --port "$port") \
    </dev/null >>"$dir/api.log" 2>&1 &
  pid=$!
  disown "$pid"  # stopped by its recorded pid; no job notice when it is
  echo "$pid" >"$dir/api.pid"
  deadline=$((SECONDS + 10))
  until sandbox_port_open "$port"; do
    if ! sandbox_alive "$pid" || ((SECONDS >= deadline)); then
      echo "sandbox: the API did not come up on 127.0.0.1:$port; its log:" >&2
      sed 's/^/  /' "$dir/api.log" >&2
      return 2
    fi
    sleep 0.1
  done
}

# The plan's `docker-compose down`: the API is stopped and its port closes
# (10 s at most).
sandbox_stop_api() {
  local dir=$1 port deadline
  port=$(<"$dir/api.port")
  sandbox_stop "$dir" api
  deadline=$((SECONDS + 10))
  while sandbox_port_open "$port"; do
    if ((SECONDS >= deadline)); then
      echo "sandbox: 127.0.0.1:$port still accepts connections 10 s after the API was stopped" >&2
      return 2
    fi
    sleep 0.1
  done
  sandbox_log "  127.0.0.1:$port closed"
}

# --- the pipeline before the migration ------------------------------------------

sandbox_write_monoliths() {
  local repo=$1
  sandbox_write "$repo/scripts/core/batch_opportunity_scoring.py" <<'PY'
"""Scores new Reddit submissions and stores them in opportunities_unified."""
import argparse
import configparser
import logging
import os
import subprocess
import uuid

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
LOG = os.path.join(ROOT, "logs", "batch_opportunity_scoring.log")
# Which database the job writes to (the server comes from the environment).
CONFIG = os.path.join(ROOT, "config", "database.ini")

# What the AI agents look for in a submission: someone asking for a product.
SIGNALS = ("looking for", "would pay", "is there an app", "wish there was", "need an app")
TITLES = ("Looking for an app to track invoices, would pay for it",
          "Is there an app that merges calendars?",
          "Weekly discussion thread",
          "Wish there was an app for shared grocery lists")


def score_opportunity(title):
    """The AI agents' verdict on one submission, 0-100, called directly."""
    text = title.lower()
    hits = sum(signal in text for signal in SIGNALS)
    return min(100, 30 * hits + min(10, len(text) // 10))


def database():
    config = configparser.ConfigParser()
    config.read(CONFIG)
    return config.get("database", "dbname", fallback="reddit_harbor")


def store(rows):
    values = []
    for i in range(rows):
        title = f"{TITLES[i % len(TITLES)]} #{i}"
        values.append(f"('t3_{uuid.uuid4().hex[:10]}', '{title}', {score_opportunity(title)})")
    subprocess.run(["psql", "-X", "-q", "-d", database(), "-c",
                    "INSERT INTO opportunities_unified (submission_id, title, score) VALUES "
                    + ",".join(values)],
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
  sandbox_write "$repo/scripts/testing/test_ai_services.py" <<'PY'
"""Exits 0 when the scoring monolith calls the AI agents directly and their
verdicts are sane; 1 when a check fails."""
import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
spec = importlib.util.spec_from_file_location(
    "batch_opportunity_scoring", ROOT / "scripts/core/batch_opportunity_scoring.py")
scoring = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scoring)
score = scoring.score_opportunity

ask = "Looking for an app to split rent, would pay for it. Is there an app?"
chat = "Weekly discussion thread"
checks = [
    ("verdicts lie in 0-100", all(0 <= score(t) <= 100 for t in [ask, chat, "", "x" * 5000])),
    ("one title, one verdict", score(ask) == score(ask)),
    ("a request for a product outscores small talk", score(ask) > score(chat) + 50),
    ("the monolith does not go through core.enrichment", "core.enrichment" not in sys.modules),
]
for name, ok in checks:
    print(("ok    " if ok else "FAIL  ") + name)
failed = sum(not ok for _, ok in checks)
print(f"{len(checks) - failed} of {len(checks)} AI service checks passed")
sys.exit(1 if failed else 0)
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
  sandbox_write "$repo/config/database.ini" <<'INI'
; The database the pipeline's jobs write to; the server (host, port, user)
; comes from the environment (PGHOST, PGPORT, PGUSER).
[database]
dbname = reddit_harbor
INI
  sandbox_write "$repo/scripts/unified/run_unified_pipeline.py" <<'PY'
"""Direct Python access to the pipeline, without the API. With --watch
SECONDS it keeps running, scoring again every SECONDS, as the migration
runs it in production."""
import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from core.scoring import score  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--watch", type=float, metavar="SECONDS")
args = parser.parse_args()
print("unified pipeline (direct):", score("direct access"), flush=True)
while args.watch:
    time.sleep(args.watch)
PY
  sandbox_write_monoliths "$repo"
  sandbox_write "$repo/.gitignore" <<<"logs/"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=harbor -c user.email=harbor@example.invalid commit -q -m "Monolith pipeline"
}

sandbox_create_database() {
  local dir=$1 root=$2
  "$root/scripts/lib/pg-fixture" start "$dir/pg" 2>/dev/null
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

# The backup's file name in DIR: backup_YYYYMMDD.dump, or .sql once the
# as-written drill has given it the plan's name.
sandbox_backup() {
  local file
  for file in "$1"/backup_*.dump "$1"/backup_*.sql; do
    if [[ -f $file ]]; then echo "${file##*/}"; return 0; fi
  done
}

# How the verifiers connect: as the read-only role, over the unix socket
# (local connections are trusted, so the DSN holds no password).
sandbox_dsn() {
  local env=$1/pg/pg.env
  echo "host=$(sed -n 's/^PGHOST=//p' "$env") port=$(sed -n 's/^PGPORT=//p' "$env") dbname=reddit_harbor user=rollcheck_reader"
}

sandbox_create_crontab() {
  local dir=$1
  sandbox_write "$dir/crontab" <<EOF
SHELL=/bin/sh
PATH=/usr/bin:/bin
0 2 * * * $(sandbox_cron_command "$dir")
EOF
}

# --- the migration ----------------------------------------------------------------

# The migration's API and its SDK, as deployed into APP (the work tree, or
# what a container still serving after the rollback holds).
sandbox_write_api() {
  local repo=$1
  sandbox_write "$repo/api/server.py" <<'PY'
"""The pipeline's HTTP API (migration): GET /health answers 200 "ok"."""
import argparse
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = (200, b"ok") if self.path == "/health" else (404, b"not found")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"api: serving http://{args.host}:{args.port}/health", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
PY
  sandbox_write "$repo/sdk/client.py" <<'PY'
"""The pipeline's SDK (migration): a client of the API."""
import urllib.request


def health(base_url):
    with urllib.request.urlopen(f"{base_url}/health", timeout=5) as answer:
        return answer.read().decode()
PY
}

# The unified pipeline, running: a process the rollback must stop, started
# as production starts it (the interpreter, the script's path in the work
# tree), so that what the plan's killall sees is what it would see there:
# a process named python3.
sandbox_start_unified() {
  local repo=$1/reddit_harbor
  (cd "$repo" && exec "$SANDBOX_PYTHON" scripts/unified/run_unified_pipeline.py --watch 60) \
    </dev/null >/dev/null 2>&1 &
  echo $! >"$1/unified.pid"
  disown $!
}

# The migration, phases 1-11, as deployed: new modules, the monoliths edited
# in place and archived, the API serving, the unified pipeline scheduled and
# running, and the duplicates that the new storage layer wrote (the plan's
# Phase 7 issue).
sandbox_deploy_migration() {
  local dir=$1 repo=$1/reddit_harbor
  local module
  for module in pipeline fetchers enrichment agents quality_filters deduplication storage; do
    sandbox_write "$repo/core/$module/__init__.py" <<<"\"\"\"core.$module (migration).\"\"\""
  done
  sandbox_write "$repo/core/pipeline/orchestrator.py" <<<"print('unified orchestrator')"
  sandbox_write "$repo/core/fetchers/database_fetcher.py" <<<"FETCH = 'database'"
  sandbox_write "$repo/core/enrichment/service.py" <<'PY'
"""AI enrichment service (migration): the agents' verdicts, behind one call."""


def analyse(title):
    return 50
PY
  sandbox_write "$repo/tests/test_pipeline_new.py" <<<"def test_new(): assert True"
  sandbox_write_api "$repo"
  mkdir -p "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE"
  cp "$repo/scripts/core/batch_opportunity_scoring.py" "$repo/scripts/dlt/dlt_trust_pipeline.py" \
    "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"
  printf '\nfrom core.pipeline import orchestrator  # migrated\nfrom core.enrichment.service import analyse as score_opportunity  # migrated\n' \
    >>"$repo/scripts/core/batch_opportunity_scoring.py"
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
  sandbox_start_unified "$dir"
  sandbox_start_api "$dir"
}

sandbox_create() {
  local dir=$1 root=$2 rollcheck=$3
  mkdir -p "$dir"
  echo "rollcheck sandbox, created $(date -u +%Y-%m-%dT%H:%M:%SZ); remove with: scripts/rehearse --clean $dir" \
    >"$dir/$SANDBOX_MARKER"
  sandbox_create_repo "$dir/reddit_harbor"
  sandbox_create_crontab "$dir"
  sandbox_create_database "$dir" "$root"
  # Chosen once PostgreSQL holds its own port, so the two cannot collide.
  sandbox_free_port >"$dir/api.port"
  sandbox_record_before "$dir" "$rollcheck"
  sandbox_deploy_migration "$dir"
}

# --- rolling back ---------------------------------------------------------------------

# When the rollback started (ISO 8601, UTC): what "since the rollback" means
# for the logs.
sandbox_record_since() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ >"$1/rollback.since"; }

# The plan's rollback, phase by phase, as its commands (docker-compose stands
# for the API process here; the production containers and the mail to the
# team have no counterpart in the sandbox).
sandbox_roll_back() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_record_since "$dir"

  sandbox_log "Phase 1-3: rm -rf core/pipeline/ core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ tests/test_*_new.py; pytest tests/ -v"
  rm -rf "$repo"/core/{pipeline,fetchers,enrichment,agents,quality_filters} "$repo"/tests/test_*_new.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" -m pytest tests/ -v

  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/fetchers/database_fetcher.py core/deduplication/; the monolith with --limit 10"
  git -C "$repo" checkout HEAD -- scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py
  rm -rf "$repo/core/fetchers/database_fetcher.py" "$repo/core/deduplication"
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 10

  sandbox_log "Phase 6: rm -rf core/enrichment/; git checkout HEAD -- scripts/core/batch_opportunity_scoring.py; scripts/testing/test_ai_services.py"
  rm -rf "$repo/core/enrichment"
  git -C "$repo" checkout HEAD -- scripts/core/batch_opportunity_scoring.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/testing/test_ai_services.py

  sandbox_log "Phase 7: rm -rf core/storage/; pg_restore --clean the backup; git checkout HEAD -- scripts/; look for duplicated submission_id"
  rm -rf "$repo/core/storage"
  (set -a; . "$dir/pg/pg.env"; set +a
   pg_restore --clean --if-exists -d reddit_harbor "$dir"/backup_*.dump)
  git -C "$repo" checkout HEAD -- scripts/
  sandbox_log "  duplicated submission_id values: $(sandbox_psql "$dir" -At -c \
    "SELECT count(*) FROM (SELECT submission_id FROM opportunities_unified
     GROUP BY submission_id HAVING COUNT(*) > 1) d")"

  sandbox_log "Phase 8: rm -rf core/pipeline/orchestrator.py; both monoliths; scripts/testing/verify_monoliths.py"
  rm -rf "$repo/core/pipeline/orchestrator.py"
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/dlt/dlt_trust_pipeline.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/testing/verify_monoliths.py

  sandbox_log "Phase 9-10: docker-compose down (the API stopped, its port closed); rm -rf api/ sdk/; scripts/unified/run_unified_pipeline.py"
  sandbox_stop_api "$dir"
  rm -rf "$repo/api" "$repo/sdk"
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/unified/run_unified_pipeline.py

  sandbox_log "Phase 11: killall -9 run_unified_pipeline.py; monoliths copied back from the archive; cron entry restored; old pipeline restarted"
  sandbox_stop "$dir" unified KILL
  cp "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"*.py "$repo/scripts/core/"
  cp "$dir/crontab.before" "$dir/crontab"
  sandbox_restart_monolith "$dir"
  sandbox_log "  rows written in the last hour: $(sandbox_psql "$dir" -At -c \
    "SELECT count(*) FROM opportunities_unified WHERE created_at > now() - interval '1 hour'")"
  sandbox_log "  (no production containers to bring down and no mail to send in the sandbox)"
}

# The plan's restart of the old pipeline: --limit 100 in the background, its
# log watched (tail -f) until it ends, a minute at most.
sandbox_restart_monolith() {
  local dir=$1 repo=$1/reddit_harbor pid lines=0 rc=0
  local log=$repo/logs/batch_opportunity_scoring.log
  if [[ -f $log ]]; then lines=$(wc -l <"$log"); fi
  (set -a; . "$dir/pg/pg.env"; set +a; cd "$repo" &&
   exec "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 100) \
    </dev/null >>"$dir/monolith.out" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/monolith.pid"
  timeout 60 tail -F -s 0.2 --pid="$pid" -n "+$((lines + 1))" "$log" 2>/dev/null | sed 's/^/      /' || true
  if sandbox_alive "$pid"; then
    sandbox_log "  the old pipeline still runs after 60 s (pid $pid); its log is left to the verifiers"
    return 0
  fi
  wait "$pid" || rc=$?
  if [[ $rc -ne 0 ]]; then sandbox_log "  the old pipeline exited $rc (its output: $dir/monolith.out)"; fi
}

# A rollback done in a hurry, for drills: the verifiers must catch each slip.
# core/pipeline/ stays (with the orchestrator), the database is not restored
# (the duplicates stay), the API is left serving, the unified pipeline keeps
# running and keeps its cron entry, and the restarted monolith logs an error.
sandbox_roll_back_botched() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_record_since "$dir"
  sandbox_log "Phase 1-3: rm -rf core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ (core/pipeline/ forgotten)"
  rm -rf "$repo"/core/{fetchers,enrichment,agents,quality_filters} "$repo"/tests/test_*_new.py
  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/deduplication/"
  git -C "$repo" checkout HEAD -- scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py
  rm -rf "$repo/core/deduplication"
  sandbox_log "Phase 7: rm -rf core/storage/ (the database restore skipped)"
  rm -rf "$repo/core/storage"
  sandbox_log "Phase 8: skipped (core/pipeline/orchestrator.py stays)"
  sandbox_log "Phase 9-10: rm -rf api/ sdk/ (the API left serving)"
  rm -rf "$repo/api" "$repo/sdk"
  sandbox_log "Phase 11: monoliths copied back; unified pipeline and its cron entry left in place"
  cp "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"*.py "$repo/scripts/core/"
  sandbox_restart_monolith "$dir"
  printf '%s ERROR batch_opportunity_scoring: enrichment service unreachable\n' \
    "$(date -u '+%Y-%m-%d %H:%M:%S,%3N')" >>"$repo/logs/batch_opportunity_scoring.log"
}

# --- the phase suites' target ------------------------------------------------------

sandbox_toml_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# Writes DIR/target.toml, what the phase suites check this sandbox against,
# and DIR/env.sh, the environment to run them in (the pipeline's own scripts
# reach PostgreSQL through it). Paths under [project] keys are relative to
# root, the others to DIR. Needs a rolled-back sandbox: [rollback] since.
sandbox_write_target() {
  local dir=$1 repo=$1/reddit_harbor backup since port
  if [[ ! -f $dir/rollback.since ]]; then
    echo "sandbox_write_target: $dir was not rolled back yet (no rollback.since)" >&2
    return 2
  fi
  since=$(<"$dir/rollback.since")
  port=$(<"$dir/api.port")
  backup=$(sandbox_backup "$dir")
  cat >"$dir/target.toml.tmp" <<EOF
# The reddit_harbor sandbox of scripts/rehearse, rolled back.
[project]
root = $(sandbox_toml_string "$repo")
python = $(sandbox_toml_string "$SANDBOX_PYTHON")

[database]
dsn = $(sandbox_toml_string "$(sandbox_dsn "$dir")")
table = "opportunities_unified"
key = "submission_id"
timestamp = "created_at"
backup = $(sandbox_toml_string "$backup")
baseline = "baseline.json"

[backup]
restore_check = true

[cron]
crontab = "crontab"
snapshot = "crontab.snapshot"
schedule = "0 2 * * *"
command = $(sandbox_toml_string "$(sandbox_cron_command "$dir")")

[logs]
files = ["logs/batch_opportunity_scoring.log"]
errors = ["ERROR|CRITICAL|Traceback"]
progress = ["processed [0-9]+ submissions"]

[api]
url = $(sandbox_toml_string "http://127.0.0.1:$port/health")

[pipeline]
unified = "run_unified_pipeline"
archive = $(sandbox_toml_string "scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE")

[rollback]
since = $(sandbox_toml_string "$since")
EOF
  mv "$dir/target.toml.tmp" "$dir/target.toml"
  {
    echo "# Source before running a phase suite on this sandbox: the pipeline's scripts"
    echo "# reach its PostgreSQL through these. No password is involved (the DSN goes"
    echo "# through the unix socket, which trusts local users), so no PGPASSFILE."
    sed -n 's/^\(PG[A-Z]*=.*\)$/export \1/p' "$dir/pg/pg.env"
  } >"$dir/env.sh"
}

# --- removing it ------------------------------------------------------------------------

sandbox_destroy() {
  local dir=$1 root=$2 name
  for name in api unified monolith; do sandbox_stop "$dir" "$name"; done
  "$root/scripts/lib/pg-fixture" stop "$dir/pg" || true
  rm -rf -- "$dir"
}

# sandbox_destroy for a sandbox kept by `scripts/rehearse --keep`: only a
# directory holding the marker written at creation is touched.
sandbox_clean() {
  local dir=$1 root=$2 cluster
  if [[ ! -d $dir ]]; then
    echo "scripts/rehearse: $dir: no such directory" >&2
    return 2
  fi
  dir=$(cd "$dir" && pwd -P)
  if [[ ! -f $dir/$SANDBOX_MARKER ]]; then
    echo "scripts/rehearse: $dir is not a rollcheck sandbox (no $SANDBOX_MARKER in it); nothing stopped, nothing removed" >&2
    return 2
  fi
  cluster=$(cat "$dir/pg/cluster" 2>/dev/null || true)
  sandbox_destroy "$dir" "$root"
  if [[ -n $cluster ]]; then
    if [[ -e $cluster ]]; then
      echo "scripts/rehearse: the PostgreSQL cluster $cluster is still there" >&2
      return 2
    fi
    sandbox_log "PostgreSQL stopped, its cluster $cluster removed"
  fi
  sandbox_log "removed $dir"
}
