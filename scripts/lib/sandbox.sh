# A sandbox shaped like the pipeline of the rollback plan (reddit_harbor):
# a git work tree with the monolith scripts, the modules the migration added,
# a PostgreSQL database holding opportunities_unified, a crontab, a log, and
# the migration's HTTP API on a local port.
# Sourced by scripts/rehearse; every function takes the sandbox directory.
#
#   sandbox_create DIR ROLLCHECK   the pipeline as it stood before the
#                              migration (committed), its backup, baseline and
#                              crontab snapshot, then the migration deployed
#   sandbox_roll_back DIR      the plan's rollback commands, phase by phase
#   sandbox_roll_back_botched DIR   a careless rollback, for drills: some of
#                              the same steps, others skipped
#   sandbox_write_target DIR   DIR/target.toml (and DIR/env.sh) for the phase suites
#   sandbox_pg DIR COMMAND...  COMMAND with the sandbox's PostgreSQL in its
#                              environment (the caller's gets no PG* of it)
#   sandbox_start_api DIR [APP], sandbox_start_unified DIR, sandbox_deploy_api APP
#                              the migration's processes and the API's files, which
#                              the fault drills (scripts/lib/faults.sh) bring back
#   sandbox_destroy DIR        stop what the sandbox started and its PostgreSQL, remove DIR
#   sandbox_clean DIR          the same for a kept sandbox; refused unless DIR is one
#
# What the sandbox is made of lies in scripts/sandbox/, copied in or filled
# in (@NAME@ replaced) by the steps here, as fixtures are:
#
#   project/            the work tree before the migration: the monoliths,
#                       the job, the old modules and their tests
#   migration/          what the migration adds to it: the new modules, the
#                       API and its SDK
#   sql/                the table before the migration, the duplicates the
#                       migration wrote
#   cron/               the crontab before the migration and with it
#   target.toml.in      the phase suites' target file
#   containers/         the compose files and the workers of
#                       `scripts/rehearse --containers` (scripts/lib/containers.sh)
#   faults/             what the fault drills inject
#
# Its PostgreSQL is a throwaway cluster of scripts/lib/pg-fixture's, which
# the tests use too.
#
# What the sandbox started is recorded in DIR: the API's port (api.port) and
# the pids of the API, the unified pipeline and the restarted monolith
# (api.pid, unified.pid, monolith.pid). Its PostgreSQL cluster lives outside
# DIR, in the directory DIR/pg/cluster names. DIR/.rollcheck-sandbox marks DIR
# as a sandbox.

SANDBOX_PYTHON=${SANDBOX_PYTHON:-/usr/bin/python3}
SANDBOX_ARCHIVE_DATE=20261101
SANDBOX_MARKER=.rollcheck-sandbox
SANDBOX_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SANDBOX_FILES=$(dirname "$SANDBOX_LIB")/sandbox
SANDBOX_MONOLITHS=(scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py)

sandbox_log() { printf '    %s\n' "$*"; }

# sandbox_pg_env DIR: the sandbox's PostgreSQL (PGHOST, PGPORT, PGUSER,
# PGDATABASE) exported, as in the operator's shell. Only in a subshell, whose
# end takes them away: the rest of a run keeps no PG* of the sandbox's.
# shellcheck source=/dev/null # pg-fixture writes pg.env
sandbox_pg_env() { set -a; . "$1/pg/pg.env"; set +a; }

# sandbox_pg DIR COMMAND...: COMMAND with the sandbox's PostgreSQL in its
# environment.
sandbox_pg() {
  local dir=$1; shift
  (sandbox_pg_env "$dir"; "$@")
}

sandbox_psql() {
  local dir=$1; shift
  sandbox_pg "$dir" psql -X -q -v ON_ERROR_STOP=1 -d reddit_harbor "$@"
}

# sandbox_fill FILE NAME=VALUE...: FILE with each @NAME@ in it replaced by VALUE.
sandbox_fill() {
  local text pair
  text=$(<"$1"); shift
  # Quoted, the replacement is taken as it is (an & in it stays an &).
  for pair; do text=${text//"@${pair%%=*}@"/"${pair#*=}"}; done
  printf '%s\n' "$text"
}

# sandbox_crontab DIR NAME: scripts/sandbox/cron/NAME.crontab for the sandbox DIR.
sandbox_crontab() {
  sandbox_fill "$SANDBOX_FILES/cron/$2.crontab" REPO="$1/reddit_harbor" PYTHON="$SANDBOX_PYTHON"
}

# The command the pipeline's cron entry runs (0 2 * * *), before the
# migration and again after the rollback.
sandbox_cron_command() { sandbox_crontab "$1" before | sed -n 's/^0 2 \* \* \* //p'; }

# Runs one of the plan's commands in the work tree, with the database in its
# environment as in the operator's shell. Shows the command's last line; when
# it fails, all of its output, and the rehearsal stops (exit 2): the rollback
# itself did not go through, so there is nothing to verify.
sandbox_run() {
  local dir=$1; shift
  local output rc=0
  output=$(cd "$dir/reddit_harbor" && sandbox_pg "$dir" "$@" 2>&1) || rc=$?
  if [[ $rc -ne 0 ]]; then
    printf '%s\n' "$output" | sed 's/^/      /' >&2
    echo "sandbox: '$*' exited $rc; the rollback stops here" >&2
    return 2
  fi
  if [[ -n $output ]]; then printf '      %s\n' "${output##*$'\n'}"; fi
}

# --- processes the sandbox starts ---------------------------------------------

# A free TCP port on 127.0.0.1.
sandbox_free_port() { "$SANDBOX_PYTHON" "$SANDBOX_LIB/free_port.py"; }

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

# sandbox_spawn DIR NAME WHERE OUT COMMAND...: COMMAND started in WHERE, in
# the background, the sandbox's PostgreSQL in its environment, its standard
# input /dev/null and its output appended to OUT; its pid goes to
# DIR/NAME.pid. The subshell execs COMMAND: the pid is COMMAND's own, the one
# sandbox_stop signals.
sandbox_spawn() {
  local dir=$1 name=$2 where=$3 out=$4; shift 4
  (sandbox_pg_env "$dir"; cd "$where" && exec "$@") </dev/null >>"$out" 2>&1 &
  echo "$!" >"$dir/$name.pid"
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
  sandbox_spawn "$dir" api "$app" "$dir/api.log" "$SANDBOX_PYTHON" api/server.py --port "$port"
  pid=$(<"$dir/api.pid")
  disown "$pid"  # stopped by its recorded pid; no job notice when it is
  sandbox_wait_api "$dir" "$dir/api.log" "$pid"
}

# sandbox_wait_api DIR LOG [PID]: waits until the API accepts connections on
# its port (10 s at most, and only while PID runs); shows LOG when it does not.
sandbox_wait_api() {
  local dir=$1 log=$2 pid=${3:-} port deadline
  port=$(<"$dir/api.port")
  deadline=$((SECONDS + 10))
  until sandbox_port_open "$port"; do
    if { [[ -n $pid ]] && ! sandbox_alive "$pid"; } || ((SECONDS >= deadline)); then
      echo "sandbox: the API did not come up on 127.0.0.1:$port; $log:" >&2
      sed 's/^/  /' "$log" >&2
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

sandbox_create_repo() {
  local repo=$1
  mkdir -p "$repo"
  cp -R "$SANDBOX_FILES/project/." "$repo/"
  git -C "$repo" init -q
  git -C "$repo" add -A
  git -C "$repo" -c user.name=harbor -c user.email=harbor@example.invalid commit -q -m "Monolith pipeline"
}

sandbox_create_database() {
  local dir=$1
  "$SANDBOX_LIB/pg-fixture" start "$dir/pg" 2>/dev/null
  sandbox_pg "$dir" createdb reddit_harbor
  sandbox_psql "$dir" -f "$SANDBOX_FILES/sql/reddit_harbor.sql"
  sandbox_pg "$dir" pg_dump -Fc -d reddit_harbor -f "$dir/backup_$(date +%Y%m%d).dump"
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

sandbox_create_crontab() { sandbox_crontab "$1" before >"$1/crontab"; }

# --- the migration ----------------------------------------------------------------

# The migration's API and its SDK, deployed into APP (what a container still
# serving after the rollback holds).
sandbox_deploy_api() {
  mkdir -p "$1"
  cp -R "$SANDBOX_FILES/migration/api" "$SANDBOX_FILES/migration/sdk" "$1/"
}

# The unified pipeline, running: a process the rollback must stop, started
# as production starts it (the interpreter, the script's path in the work
# tree), so that what the plan's killall sees is what it would see there:
# a process named python3.
sandbox_start_unified() {
  sandbox_spawn "$1" unified "$1/reddit_harbor" /dev/null \
    "$SANDBOX_PYTHON" scripts/unified/run_unified_pipeline.py --watch 60
  disown "$(<"$1/unified.pid")"
}

# The migration, phases 1-11, as deployed: new modules, the monoliths edited
# in place and archived, the API serving, the unified pipeline scheduled and
# running, and the duplicates that the new storage layer wrote (the plan's
# Phase 7 issue).
sandbox_deploy_migration() {
  local dir=$1 repo=$1/reddit_harbor
  cp -R "$SANDBOX_FILES/migration/." "$repo/"
  mkdir -p "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE"
  (cd "$repo" && cp "${SANDBOX_MONOLITHS[@]}" "scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/")
  printf '\nfrom core.pipeline import orchestrator  # migrated\nfrom core.enrichment.service import analyse as score_opportunity  # migrated\n' \
    >>"$repo/scripts/core/batch_opportunity_scoring.py"
  printf '\nfrom core.storage import *  # migrated\n' >>"$repo/scripts/dlt/dlt_trust_pipeline.py"

  cp "$dir/crontab" "$dir/crontab.before"
  sandbox_crontab "$dir" migration >"$dir/crontab"
  sandbox_psql "$dir" -f "$SANDBOX_FILES/sql/migration-duplicates.sql"
  mkdir -p "$repo/logs"
  if containers_on "$dir"; then
    containers_deploy "$dir"
  else
    sandbox_start_unified "$dir"
    sandbox_start_api "$dir"
  fi
}

sandbox_create() {
  local dir=$1 rollcheck=$2
  mkdir -p "$dir"
  echo "rollcheck sandbox, created $(date -u +%Y-%m-%dT%H:%M:%SZ); remove with: scripts/rehearse --clean $dir" \
    >"$dir/$SANDBOX_MARKER"
  sandbox_create_repo "$dir/reddit_harbor"
  sandbox_create_crontab "$dir"
  sandbox_create_database "$dir"
  # Chosen once PostgreSQL holds its own port, so the two cannot collide.
  sandbox_free_port >"$dir/api.port"
  sandbox_record_before "$dir" "$rollcheck"
  sandbox_deploy_migration "$dir"
}

# --- the rollback's steps, which both rollbacks below take -------------------------

# sandbox_remove DIR PATH...: rm -rf PATH... in the work tree.
sandbox_remove() {
  local repo=$1/reddit_harbor path; shift
  for path; do rm -rf -- "$repo/${path:?}"; done
}

# sandbox_remove_new_modules DIR MODULE...: the migration's modules
# (core/MODULE) and its new tests removed (Phases 1-3).
sandbox_remove_new_modules() {
  local dir=$1 module; shift
  for module; do sandbox_remove "$dir" "core/$module"; done
  rm -f -- "$dir"/reddit_harbor/tests/test_*_new.py
}

# sandbox_checkout DIR PATH...: git checkout HEAD -- PATH... in the work tree.
sandbox_checkout() {
  local repo=$1/reddit_harbor; shift
  git -C "$repo" checkout HEAD -- "$@"
}

sandbox_restore_backup() {
  sandbox_pg "$1" pg_restore --clean --if-exists -d reddit_harbor "$1"/backup_*.dump
}

# The monoliths copied back from the migration's archive (Phase 11).
sandbox_copy_back_monoliths() {
  local repo=$1/reddit_harbor
  cp "$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/"*.py "$repo/scripts/core/"
}

# The plan's restart of the old pipeline: --limit 100 in the background, its
# log watched (tail -f) until it ends, a minute at most.
sandbox_restart_monolith() {
  local dir=$1 repo=$1/reddit_harbor pid lines=0 rc=0
  local log=$repo/logs/batch_opportunity_scoring.log
  if [[ -f $log ]]; then lines=$(wc -l <"$log"); fi
  sandbox_spawn "$dir" monolith "$repo" "$dir/monolith.out" \
    "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 100
  pid=$(<"$dir/monolith.pid")
  timeout 60 tail -F -s 0.2 --pid="$pid" -n "+$((lines + 1))" "$log" 2>/dev/null | sed 's/^/      /' || true
  if sandbox_alive "$pid"; then
    sandbox_log "  the old pipeline still runs after 60 s (pid $pid); its log is left to the verifiers"
    return 0
  fi
  wait "$pid" || rc=$?
  if [[ $rc -ne 0 ]]; then sandbox_log "  the old pipeline exited $rc (its output: $dir/monolith.out)"; fi
}

# --- rolling back ---------------------------------------------------------------------

# When the rollback started (ISO 8601, UTC): what "since the rollback" means
# for the logs.
sandbox_record_since() { date -u +%Y-%m-%dT%H:%M:%S.%3NZ >"$1/rollback.since"; }

# The plan's rollback, phase by phase, as its commands. With containers
# (scripts/rehearse --containers) docker-compose brings them down; without,
# the API and the unified pipeline are processes, stopped by their pids. The
# mail to the team has no counterpart in the sandbox.
sandbox_roll_back() {
  local dir=$1
  sandbox_record_since "$dir"

  sandbox_log "Phase 1-3: rm -rf core/pipeline/ core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ tests/test_*_new.py; pytest tests/ -v"
  sandbox_remove_new_modules "$dir" pipeline fetchers enrichment agents quality_filters
  sandbox_run "$dir" "$SANDBOX_PYTHON" -m pytest tests/ -v

  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/fetchers/database_fetcher.py core/deduplication/; the monolith with --limit 10"
  sandbox_checkout "$dir" "${SANDBOX_MONOLITHS[@]}"
  sandbox_remove "$dir" core/fetchers/database_fetcher.py core/deduplication
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 10

  sandbox_log "Phase 6: rm -rf core/enrichment/; git checkout HEAD -- scripts/core/batch_opportunity_scoring.py; scripts/testing/test_ai_services.py"
  sandbox_remove "$dir" core/enrichment
  sandbox_checkout "$dir" scripts/core/batch_opportunity_scoring.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/testing/test_ai_services.py

  sandbox_log "Phase 7: rm -rf core/storage/; pg_restore --clean the backup; git checkout HEAD -- scripts/; look for duplicated submission_id"
  sandbox_remove "$dir" core/storage
  sandbox_restore_backup "$dir"
  sandbox_checkout "$dir" scripts/
  sandbox_log "  duplicated submission_id values: $(sandbox_psql "$dir" -At -c \
    "SELECT count(*) FROM (SELECT submission_id FROM opportunities_unified
     GROUP BY submission_id HAVING COUNT(*) > 1) d")"

  sandbox_log "Phase 8: rm -rf core/pipeline/orchestrator.py; both monoliths; scripts/testing/verify_monoliths.py"
  sandbox_remove "$dir" core/pipeline/orchestrator.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/dlt/dlt_trust_pipeline.py
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/testing/verify_monoliths.py

  sandbox_log "Phase 9-10: docker-compose down (the API stopped, its port closed); rm -rf api/ sdk/; scripts/unified/run_unified_pipeline.py"
  if containers_on "$dir"; then sandbox_run "$dir" containers_with_daemon "$dir" docker-compose down; fi
  sandbox_stop_api "$dir"
  sandbox_remove "$dir" api sdk
  sandbox_run "$dir" "$SANDBOX_PYTHON" scripts/unified/run_unified_pipeline.py

  sandbox_log "Phase 11: docker-compose -f docker-compose.prod.yml down; killall -9 run_unified_pipeline.py; monoliths copied back from the archive; cron entry restored; old pipeline restarted"
  if containers_on "$dir"; then sandbox_run "$dir" containers_with_daemon "$dir" docker-compose -f docker-compose.prod.yml down; fi
  sandbox_stop "$dir" unified KILL
  sandbox_copy_back_monoliths "$dir"
  cp "$dir/crontab.before" "$dir/crontab"
  sandbox_restart_monolith "$dir"
  sandbox_log "  rows written in the last hour: $(sandbox_psql "$dir" -At -c \
    "SELECT count(*) FROM opportunities_unified WHERE created_at > now() - interval '1 hour'")"
  sandbox_log "  (no mail to send from the sandbox)"
}

# A rollback done in a hurry, for drills: the verifiers must catch each slip.
# core/pipeline/ stays (with the orchestrator), the database is not restored
# (the duplicates stay), the API is left serving, the unified pipeline keeps
# running and keeps its cron entry, and the restarted monolith logs an error.
sandbox_roll_back_botched() {
  local dir=$1
  sandbox_record_since "$dir"
  sandbox_log "Phase 1-3: rm -rf core/fetchers/ core/enrichment/ core/agents/ core/quality_filters/ (core/pipeline/ forgotten)"
  sandbox_remove_new_modules "$dir" fetchers enrichment agents quality_filters
  sandbox_log "Phase 4-5: git checkout HEAD -- the monoliths; rm -rf core/deduplication/"
  sandbox_checkout "$dir" "${SANDBOX_MONOLITHS[@]}"
  sandbox_remove "$dir" core/deduplication
  sandbox_log "Phase 7: rm -rf core/storage/ (the database restore skipped)"
  sandbox_remove "$dir" core/storage
  sandbox_log "Phase 8: skipped (core/pipeline/orchestrator.py stays)"
  sandbox_log "Phase 9-10: rm -rf api/ sdk/ (the API left serving)"
  sandbox_remove "$dir" api sdk
  sandbox_log "Phase 11: monoliths copied back; unified pipeline and its cron entry left in place"
  sandbox_copy_back_monoliths "$dir"
  sandbox_restart_monolith "$dir"
  printf '%s ERROR batch_opportunity_scoring: enrichment service unreachable\n' \
    "$(date -u '+%Y-%m-%d %H:%M:%S,%3N')" >>"$dir/reddit_harbor/logs/batch_opportunity_scoring.log"
}

# --- the phase suites' target ------------------------------------------------------

sandbox_toml_string() {
  local s=${1//\\/\\\\}
  s=${s//\"/\\\"}
  printf '"%s"' "$s"
}

# Writes DIR/target.toml, what the phase suites check this sandbox against
# (scripts/sandbox/target.toml.in, its placeholders filled with TOML strings),
# and DIR/env.sh, the environment an operator runs them in (the pipeline's own
# scripts reach PostgreSQL through it). Paths under [project] keys are relative to
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
  sandbox_fill "$SANDBOX_FILES/target.toml.in" \
    ROOT="$(sandbox_toml_string "$repo")" \
    PYTHON="$(sandbox_toml_string "$SANDBOX_PYTHON")" \
    DSN="$(sandbox_toml_string "$(sandbox_dsn "$dir")")" \
    BACKUP="$(sandbox_toml_string "$backup")" \
    CRON_COMMAND="$(sandbox_toml_string "$(sandbox_cron_command "$dir")")" \
    API_URL="$(sandbox_toml_string "http://127.0.0.1:$port/health")" \
    ARCHIVE="$(sandbox_toml_string "scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE")" \
    COMPOSE_PROJECT="$(sandbox_toml_string "$(containers_on "$dir" && containers_project "$dir")")" \
    DOCKER_HOST="$(sandbox_toml_string "$(containers_on "$dir" && cat "$dir/docker.host")")" \
    SINCE="$(sandbox_toml_string "$since")" >"$dir/target.toml.tmp"
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
  local dir=$1 name
  for name in api unified monolith; do sandbox_stop "$dir" "$name"; done
  containers_destroy "$dir"
  "$SANDBOX_LIB/pg-fixture" stop "$dir/pg" || true
  rm -rf -- "$dir"
}

# sandbox_destroy for a sandbox kept by `scripts/rehearse --keep`: only a
# directory holding the marker written at creation is touched.
sandbox_clean() {
  local dir=$1 cluster
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
  sandbox_destroy "$dir"
  if [[ -n $cluster ]]; then
    if [[ -e $cluster ]]; then
      echo "scripts/rehearse: the PostgreSQL cluster $cluster is still there" >&2
      return 2
    fi
    sandbox_log "PostgreSQL stopped, its cluster $cluster removed"
  fi
  sandbox_log "removed $dir"
}

# The containers of `scripts/rehearse --containers`, which the steps above use.
# shellcheck source=scripts/lib/containers.sh
source "$SANDBOX_LIB/containers.sh"
