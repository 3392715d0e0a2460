# The fault drills of `scripts/rehearse --fault`: slips an operator could make
# during the rollback, each injected into a sandbox rolled back correctly, so
# that the phase suites must go red on the check that guards it. Sourced by
# scripts/rehearse after scripts/lib/sandbox.sh, scripts/lib/plan.sh and
# scripts/lib/suites.sh.
#
# A fault is a function fault_NAME DIR (dashes in NAME become underscores)
# and one fault_register line naming the plan's check that must catch it (by
# its id in plans/reddit_harbor.toml) and what that check's evidence must say
# (a Python regular expression). A fault changes only what drill_restore puts
# back (the work tree, the crontab, the backup, the table, a database of its
# own beside it ($FAULT_OTHER_DATABASE), the API and the unified pipeline)
# and keeps anything else it needs under DIR/fault, so that one sandbox
# serves every drill in turn.
#
#   drill_one DIR BIN NAME     inject NAME, run the suites, say what caught it
#   drill_all DIR BIN          the clean run, every fault in turn, a table
#
# Both set DRILL_STATUS (0: every fault caught, no false alarm; 1: not) and
# return 0: a caller testing their status would turn off errexit inside them.

declare -g DRILL_STATUS=0
declare -ga FAULT_NAMES=()
declare -gA FAULT_CHECK=() FAULT_EVIDENCE=() FAULT_VERDICTS=() FAULT_NEEDS_CONTAINERS=()

# fault_register NAME CHECK_ID EVIDENCE [VERDICTS]: NAME is caught when the
# verdict of the plan's check CHECK_ID is one of VERDICTS (comma-separated;
# "fail" unless given: a fault is a real failure, an error only where the
# check cannot decide) and its summaries or evidence match EVIDENCE.
fault_register() {
  FAULT_NAMES+=("$1")
  FAULT_CHECK[$1]=$2
  FAULT_EVIDENCE[$1]=$3
  FAULT_VERDICTS[$1]=${4:-fail}
}

# fault_needs_containers NAME: NAME acts on the sandbox's containers, which
# only `scripts/rehearse --containers` runs.
fault_needs_containers() { FAULT_NEEDS_CONTAINERS[$1]=1; }

# fault_cannot_run DIR NAME: true when NAME acts on containers and the
# sandbox DIR runs none.
fault_cannot_run() { [[ -n ${FAULT_NEEDS_CONTAINERS[$2]:-} ]] && ! containers_on "$1"; }

fault_log() { sandbox_log "fault: $*"; }

# The database a fault may create beside reddit_harbor (drill_restore drops it).
FAULT_OTHER_DATABASE=reddit_harbor_unified

# Runs SQL as the cluster's superuser (the operator's account), not as the
# verifiers' read-only role.
fault_sql() { sandbox_psql "$1" -c "$2"; }

# --- the database -------------------------------------------------------------------

# The migration's writer, not stopped before the restore, wrote its last batch
# again on top of the restored table.
fault_register duplicates phase7.no-duplicated-key \
  '^25 duplicated submission_id values'
fault_duplicates() {
  fault_log "the last 25 rows of the backup inserted again after pg_restore"
  fault_sql "$1" "INSERT INTO opportunities_unified (submission_id, title, score, created_at)
    SELECT submission_id, title, score, created_at FROM opportunities_unified
    WHERE id > 10000 - 25 AND id <= 10000"
}

# The job's database setting, pointed at the unified storage's database for
# the migration, not put back: config/ lies outside the scripts/ that the
# plan's git checkout restores. Every run of the job since the rollback (the
# plan's own, the restarted job, the suites') ran, logged its progress and
# exited 0, but wrote its rows to reddit_harbor_unified.
fault_register no-recent-writes phase11.rows-written \
  '^0 rows'
fault_no_recent_writes() {
  local dir=$1 since
  since=$(<"$dir/rollback.since")
  fault_log "config/database.ini names reddit_harbor_unified (the unified storage's database); the rows written since $since went there"
  mkdir -p "$dir/fault"
  fault_sql "$dir" "CREATE DATABASE $FAULT_OTHER_DATABASE"
  sandbox_pg "$dir" pg_dump -s -t opportunities_unified -d reddit_harbor -f "$dir/fault/schema.sql"
  sandbox_psql "$dir" -c "\\copy (SELECT * FROM opportunities_unified WHERE created_at >= '$since') TO '$dir/fault/moved.csv' WITH (FORMAT csv)"
  sandbox_pg "$dir" psql -X -q -v ON_ERROR_STOP=1 -d "$FAULT_OTHER_DATABASE" -f "$dir/fault/schema.sql" \
    -c "\\copy public.opportunities_unified FROM '$dir/fault/moved.csv' WITH (FORMAT csv)" >/dev/null
  fault_sql "$dir" "DELETE FROM opportunities_unified WHERE created_at >= '$since'"
  sed -i "s/^dbname = .*/dbname = $FAULT_OTHER_DATABASE/" "$dir/reddit_harbor/config/database.ini"
}

# The duplicates of Phase 7 "cleaned" by hand with a DELETE that removed every
# copy of a duplicated key, the originals with them.
fault_register data-lost phase7.no-row-lost \
  '^rows lost since the baseline'
fault_data_lost() {
  fault_log "the rows the migration had duplicated deleted, originals included (id % 500 = 0)"
  fault_sql "$1" "DELETE FROM opportunities_unified WHERE id % 500 = 0 AND id <= 10000"
}

# --- the backup ---------------------------------------------------------------------------

# The backup was written where a cleanup removed it (a /tmp emptied by a reboot).
fault_register backup-missing phase7.backup-verified \
  'backup_[0-9]+\.dump: does not exist'
fault_backup_missing() {
  fault_log "the backup removed: $(cd "$1" && ls backup_*.dump)"
  rm -f -- "$1"/backup_*.dump
}

# The backup taken again once the rollback had started, over the one taken
# before the deploy: it reads fine and holds the table, but it may already
# hold the fault the rollback undoes.
fault_register backup-stale phase7.backup-verified \
  '^after_rollback$'
fault_backup_stale() {
  local backup
  backup=$(cd "$1" && ls backup_*.dump | head -n 1)
  fault_log "pg_dump -Fc run again after the rollback started, over $backup"
  sandbox_pg "$1" pg_dump -Fc -d reddit_harbor -f "$1/$backup"
}

# --- the crontab -------------------------------------------------------------------------------

# The unified pipeline's crontab removed, the monolith's entry not put back.
fault_register cron-missing phase11.cron-entry-restored \
  'batch_opportunity_scoring'
fault_cron_missing() {
  fault_log "the monolith's cron entry removed"
  sed -i '/batch_opportunity_scoring/d' "$1/crontab"
}

# The entry pasted back from a ticket, wrapped by the terminal: its command's
# tail lands on a line of its own, which cron rejects.
fault_register cron-invalid phase11.crontab-valid \
  'not a crontab line'
fault_cron_invalid() {
  fault_log "the monolith's cron entry wrapped onto two lines"
  sed -i 's| \(scripts/core/batch_opportunity_scoring.py\)|\n\1|' "$1/crontab"
}

# The entry restored with the schedule of another job.
fault_register cron-wrong-schedule phase11.cron-entry-restored \
  '^0 2 \* \* \*$'
fault_cron_wrong_schedule() {
  fault_log "the monolith's entry scheduled 0 3 * * * instead of 0 2 * * *"
  sed -i 's|^0 2 \* \* \* |0 3 * * * |' "$1/crontab"
}

# The monolith's entry put back, but the migration's entry kept beside it.
fault_register unified-still-scheduled phase11.cron-entry-restored \
  'run_unified_pipeline'
fault_unified_still_scheduled() {
  fault_log "the unified pipeline's cron entry left in the crontab"
  sandbox_crontab "$1" migration | grep -F run_unified_pipeline >>"$1/crontab"
}

# --- the job's log ----------------------------------------------------------------------------------

# The restarted job failed on an import the migration had introduced and
# logged the exception (the traceback written by the job's own logging).
fault_register log-errors phase11.job-log-clean \
  'Traceback|ModuleNotFoundError'
fault_log_errors() {
  fault_log "a traceback (ModuleNotFoundError: core.enrichment) in logs/batch_opportunity_scoring.log"
  (cd "$1/reddit_harbor" && "$SANDBOX_PYTHON" "$SANDBOX_FILES/faults/log_traceback.py")
}

# --- the work tree -----------------------------------------------------------------------------------

# One of the new modules left behind: the rm -rf line of Phases 1-3 was typed
# without it.
fault_register leftover-module phase1-3.new-modules-removed \
  'core/agents'
fault_leftover_module() {
  fault_log "core/agents/ left in the work tree"
  cp -R "$SANDBOX_FILES/faults/leftover-module/." "$1/reddit_harbor/"
}

# A hot fix made on the server during the migration, one byte, kept in a
# restored monolith: --limit's default 50 became 60.
fault_register monolith-diverged phase8.monoliths-restored \
  'default=60'
fault_monolith_diverged() {
  fault_log "scripts/core/batch_opportunity_scoring.py: default=50 became default=60 (one byte)"
  sed -i 's/default=50)/default=60)/' "$1/reddit_harbor/scripts/core/batch_opportunity_scoring.py"
}

# The migration's edit of an old module (outside scripts/, which the plan's
# git checkout restores) not reverted: the old system's tests fail.
fault_register tests-failing phase1-3.tests-pass \
  'test_score_is_bounded'
fault_tests_failing() {
  fault_log "core/scoring.py: the score's bound of 100 raised to 1000 and left in place"
  sed -i 's/min(100, /min(1000, /' "$1/reddit_harbor/core/scoring.py"
}

# --- processes --------------------------------------------------------------------------------------

# killall matched nothing in time: the unified pipeline runs on.
fault_register pipeline-still-running phase11.unified-stopped \
  'run_unified_pipeline'
fault_pipeline_still_running() {
  fault_log "the unified pipeline started again (as a supervisor restarts it)"
  sandbox_start_unified "$1"
}

# docker-compose down never run: the container keeps serving, from its own
# copy of the API, although api/ is gone from the work tree.
fault_register api-still-up phase9-10.api-down \
  'still answers'
fault_api_still_up() {
  fault_log "the API serving again from a container's copy ($1/fault/container)"
  sandbox_deploy_api "$1/fault/container"
  sandbox_start_api "$1" "$1/fault/container"
}

# --- containers (scripts/rehearse --containers) ----------------------------------------------------

# The production project brought down service by service, one forgotten:
# the deduplication worker runs on from its image.
fault_register containers-still-up phase11.compose-down \
  '_deduplication_1'
fault_needs_containers containers-still-up
fault_containers_still_up() {
  fault_log "the production project's deduplication worker running again (docker-compose -f docker-compose.prod.yml up -d deduplication)"
  containers_compose "$1" -f docker-compose.prod.yml up -d deduplication >>"$1/compose.log" 2>&1
}

# A production service brought back up after the rollback: its worker exits
# without the API, which is gone, and its restart policy starts it again and
# again.
fault_register container-restarting phase11.compose-down \
  'restart'
fault_needs_containers container-restarting
fault_container_restarting() {
  fault_log "the enrichment worker running again, exiting without the API, restarted by its policy"
  containers_compose "$1" -f docker-compose.prod.yml up -d enrichment >>"$1/compose.log" 2>&1
  containers_wait_restarted "$1" enrichment
}

# --- running them --------------------------------------------------------------------------------------

# The fault's function, or nothing when NAME is not a fault.
fault_function() {
  local name=$1
  [[ -n ${FAULT_CHECK[$name]+set} ]] || return 1
  echo "fault_${name//-/_}"
}

fault_list() { printf '  %s\n' "${FAULT_NAMES[@]}"; }

# What drill_restore puts back, saved once the sandbox is rolled back: the
# work tree (its git directory and the job's log included), the crontab, the
# backup (its mtime with it) and the table's rows.
drill_snapshot() {
  local dir=$1 saved=$1/drills/rolled-back
  mkdir -p "$saved"
  cp -a "$dir/reddit_harbor" "$dir/crontab" "$dir"/backup_*.dump "$saved/"
  sandbox_psql "$dir" -c "\\copy opportunities_unified TO '$saved/opportunities_unified.csv' WITH (FORMAT csv)"
}

# Undoes any fault: the sandbox as drill_snapshot saw it, neither the API nor
# the unified pipeline running. Also removes what the suites wrote (the batch
# job's runs add rows and log lines), so every drill starts from the same state.
drill_restore() {
  local dir=$1 saved=$1/drills/rolled-back
  sandbox_stop_api "$dir"
  sandbox_stop "$dir" unified
  if containers_on "$dir"; then containers_compose "$dir" -f docker-compose.prod.yml down -t 1 >>"$dir/compose.log" 2>&1; fi
  sandbox_psql "$dir" -c "DROP DATABASE IF EXISTS $FAULT_OTHER_DATABASE"
  rm -rf -- "$dir/fault" "$dir/reddit_harbor" "$dir"/backup_*.dump
  cp -a "$saved/reddit_harbor" "$saved/crontab" "$saved"/backup_*.dump "$dir/"
  sandbox_psql "$dir" <<SQL
BEGIN;
TRUNCATE opportunities_unified;
\\copy opportunities_unified FROM '$saved/opportunities_unified.csv' WITH (FORMAT csv)
COMMIT;
SQL
}

# drill_green REPORTS: how many phases were green within their recovery
# target, of those the suites ran ("7/7"; a fault should cost at least one).
drill_green() { reports_py green "$1"; }

# drill_verdict REPORTS NAME: prints the verdict of the plan's check that
# must catch NAME, whether it did (yes/no), the check's name as the run
# titled it, and why not, tab-separated.
drill_verdict() { reports_py verdict "$1" "${FAULT_CHECK[$2]}" "${FAULT_EVIDENCE[$2]}" "${FAULT_VERDICTS[$2]}"; }

# drill_false_alarms REPORTS PLAN: the cases that failed or erred, one a
# line: "VERDICT: ID NAME".
drill_false_alarms() { suites_red_cases "$1" "$2" | sed 's/\t/: /; s/\t/ /'; }

# drill_one DIR BIN NAME: NAME injected into the rolled-back sandbox, every
# suite run (their table printed), and the verdict of the check that must
# catch it. DRILL_STATUS: 0 when it caught the fault, 1 when not.
drill_one() {
  local dir=$1 bin=$2 name=$3 verdict caught title why
  echo "==> fault $name"
  if fault_cannot_run "$dir" "$name"; then
    echo "fault $name not rehearsed: the sandbox runs no containers" >&2
    DRILL_STATUS=2
    return 0
  fi
  "$(fault_function "$name")" "$dir"
  suites_run "$dir" "$bin" || true
  IFS=$'\t' read -r verdict caught title why < <(drill_verdict "$dir/reports" "$name") || true
  echo
  if [[ $caught == yes ]]; then
    echo "fault $name caught by ${FAULT_CHECK[$name]}, '$title' (${verdict^^})"
    DRILL_STATUS=0
  else
    echo "fault $name NOT caught: ${FAULT_CHECK[$name]}, '$title', is ${verdict^^}: $why" >&2
    DRILL_STATUS=1
  fi
}

# Tenths of a second as seconds: 1147 -> 114.7.
drill_seconds() { echo "$(($1 / 10)).$(($1 % 10))"; }

# drill_suite_times DIR: each suite's seconds, added up over every drill
# (from the tables suites_run printed), slowest first.
drill_suite_times() {
  awk '$1 ~ /^verify-/ && $2 ~ /s$/ { t[$1] += $2 + 0 }
       END { for (s in t) printf "%s %.1f\n", s, t[s] }' "$1"/drills/*/suites.txt |
    sort -k2 -rn | awk '{ line = line (NR > 1 ? ", " : "") $1 " " $2 "s" } END { print "per suite, over every drill: " line }'
}

# drill_all DIR BIN: a clean run (no case may fail or err), every fault in
# turn, each undone before the next, and a clean run again (the undoing left
# nothing behind). Prints a table and where the time went. DRILL_STATUS: 1
# when a clean run raised an alarm or a fault went uncaught.
drill_all() {
  local dir=$1 bin=$2 name out verdict caught title why start elapsed rc=0 total_start alarms row check
  local restoring=0 suites=0 mark plan green
  plan=$(plan_file "$bin")
  local -a rows=()
  # Fields of a row: a separator that is not blank, so that an empty field stays one.
  local us=$'\x1f'
  total_start=$(date +%s%N)
  drill_snapshot "$dir"
  for name in clean "${FAULT_NAMES[@]}" clean-again; do
    out=$dir/drills/$name
    mkdir -p "$out"
    start=$(date +%s%N)
    drill_restore "$dir" >"$out/restore.log" 2>&1
    mark=$(date +%s%N)
    restoring=$((restoring + mark - start))
    if fault_cannot_run "$dir" "$name"; then
      verdict=SKIP caught=- why="not rehearsed: the sandbox runs no containers (--containers)"
      rows+=("$name$us${FAULT_CHECK[$name]}$us$verdict$us$caught$us$why")
    elif [[ $name == clean || $name == clean-again ]]; then
      suites_run "$dir" "$bin" "$out/reports" >"$out/suites.txt" 2>&1 || true
      alarms=$(drill_false_alarms "$out/reports" "$plan")
      if [[ -z $alarms ]]; then
        verdict=PASS caught=- why=
      else
        verdict=FAIL caught=- why="false alarm: ${alarms//$'\n'/; }"
        rc=1
      fi
      rows+=("$name$us(every check)$us$verdict$us$caught$us$why")
    else
      "$(fault_function "$name")" "$dir" >"$out/inject.log" 2>&1
      mark=$(date +%s%N)
      suites_run "$dir" "$bin" "$out/reports" >"$out/suites.txt" 2>&1 || true
      IFS=$'\t' read -r verdict caught title why < <(drill_verdict "$out/reports" "$name") || true
      [[ $caught == yes ]] || rc=1
      rows+=("$name$us${FAULT_CHECK[$name]}: $title$us${verdict^^}$us$caught$us$why")
    fi
    suites=$((suites + $(date +%s%N) - mark))
    elapsed=$(( ($(date +%s%N) - start) / 100000000 ))
    green=-
    [[ $verdict == SKIP ]] || green=$(drill_green "$out/reports")
    rows[-1]+="$us$((elapsed / 10)).$((elapsed % 10))s$us$green"
    printf '    %-24s %-6s %-4s %5d.%ds\n' "$name" "${verdict^^}" "$caught" $((elapsed / 10)) $((elapsed % 10))
  done
  echo
  printf '%-24s %-6s %-7s %6s %-7s  %s\n' FAULT CAUGHT VERDICT TIME GREEN CHECK
  for row in "${rows[@]}"; do
    IFS=$us read -r name check verdict caught why elapsed green <<<"$row"
    printf '%-24s %-6s %-7s %6s %-7s  %s\n' "$name" "$caught" "$verdict" "$elapsed" "$green" "$check"
    if [[ -n $why ]]; then printf '%-24s %s\n' '' "  $why"; fi
  done
  elapsed=$(( ($(date +%s%N) - total_start) / 100000000 ))
  echo
  echo "drills: $(drill_seconds "$elapsed")s in all: the suites (and reading their reports) $(drill_seconds $((suites / 100000000)))s," \
    "undoing the faults $(drill_seconds $((restoring / 100000000)))s, injecting them the rest"
  drill_suite_times "$dir"
  echo "reports: $dir/drills/<fault>/reports/<suite>/"
  DRILL_STATUS=$rc
}
