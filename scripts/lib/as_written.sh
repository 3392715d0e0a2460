# The rollback of `scripts/rehearse --as-written`: the plan's commands as
# the plan prints them, run one by one in the sandbox, so that the phase
# suites judge the plan itself rather than the rehearsal's reading of it.
# Sourced by scripts/rehearse after scripts/lib/sandbox.sh.
#
#   as_written_prepare DIR     the backup under the plan's name (before the rollback)
#   as_written_roll_back DIR   every line of the plan, in order; a failing line
#                              does not stop the rest (the plan says nothing of
#                              what to do then), its exit status is recorded
#   as_written_findings DIR REPORTS   each red check, the plan's lines behind it
#                              and what they did; then the lines that failed
#                              with no check red for them
#
# A line runs as written but for what the sandbox forces: the database is the
# sandbox's (PGHOST and PGPORT in the environment, as in the operator's
# shell), the relative paths are the work tree's (the backup's, the
# sandbox's directory), docker-compose has no containers to stop (the API is
# a process, stopped by its pid), the YYYYMMDD placeholder is the archive's
# date, crontab -e edits a spool of the sandbox's own (in a mount namespace of
# its own: the machine's crontabs are never touched), `tail -f` is stopped
# after AS_WRITTEN_TAIL_SECONDS, and no mail is sent. Every such adaptation
# is printed beside the line.
#
# DIR/as-written/steps.tsv records each line: its id, the line, its exit
# status and the line of its output that tells most; DIR/as-written/ID.out
# holds all of its output.

AS_WRITTEN_TAIL_SECONDS=${AS_WRITTEN_TAIL_SECONDS:-10}
# Lines of a step's output shown; the rest stays in its .out file.
AS_WRITTEN_SHOWN=8

# The plan's lines behind each check, the one meant to make it green first:
# the suites' case name, then step ids (as_written_step's second argument).
# The batch job's runs need the restore to have left the table writable.
declare -gA AS_WRITTEN_GUARD=(
  ["no duplicated submission_id in opportunities_unified (after phase 4-5)"]=7.2
  ["no duplicated submission_id in opportunities_unified (after phase 7)"]=7.2
  ["no duplicated submission_id in opportunities_unified (after phase 11)"]=7.2
  ["no row of opportunities_unified lost against the baseline (after phase 7)"]=7.2
  ["no row of opportunities_unified lost against the baseline (after phase 11)"]=7.2
  ["batch_opportunity_scoring.py --limit 10 succeeds"]="4-5.5 7.2"
  ["batch_opportunity_scoring.py runs"]="8.2 7.2"
  ["scripts/ identical to HEAD"]=11.2
  ["scripts/core/*.py identical to the pre-cutover archive"]=11.2
  ["unified pipeline not running (any interpreter, any path)"]=11.1
  ["crontab valid as cron reads it"]=11.3
  ["monolith cron entry restored as 0 2 * * *, unified pipeline not scheduled"]=11.3
  ["crontab equal to the pre-cutover snapshot"]=11.3
  ["the batch job running, or run since the rollback"]=11.4
  ["job log without error since the rollback (rotated files included), showing progress"]=11.4
  ["rows written to opportunities_unified in the last hour"]=11.4
  ["the API no longer answers"]=9-10.1
)

as_written_dir() { echo "$1/as-written"; }

# A step's output without the terminal's escape sequences (an editor's
# screen, for one) and blank lines.
as_written_clean() {
  sed -e 's/\x1b\[[0-9;?>=]*[a-zA-Z]//g' -e 's/\x1b[=>]//g' -e 's/\r//g' -e 's/~ \{20,\}//g' \
    -e '/^[[:space:]~]*$/d' "$1"
}

# as_written_record DIR ID LINE RC OUTPUT-FILE: one row of steps.tsv; the
# telling line is the first that reads like an error message, else the first
# that mentions one, else the last one.
as_written_record() {
  local dir=$1 id=$2 line=$3 rc=$4 out=$5 telling
  telling=$(as_written_clean "$out" |
    grep -m 1 -E '[A-Za-z]*(Error|error): |ERROR:|not found|No such|cannot|could not|denied|exited with' ||
    as_written_clean "$out" | grep -m 1 -iE 'error|Traceback' || as_written_clean "$out" | tail -n 1)
  printf '%s\t%s\t%s\t%s\n' "$id" "$line" "$rc" "${telling//$'\t'/ }" >>"$(as_written_dir "$dir")/steps.tsv"
}

# Prints a step's output, indented, AS_WRITTEN_SHOWN lines at most.
as_written_show() {
  local out=$1 lines
  lines=$(wc -l <"$out")
  as_written_clean "$out" | head -n "$AS_WRITTEN_SHOWN" | sed 's/^/        /'
  if ((lines > AS_WRITTEN_SHOWN)); then
    printf '        … %d lines in all: %s\n' "$lines" "$out"
  fi
}

# as_written_run DIR WHERE COMMAND OUTPUT-FILE: COMMAND through bash in
# WHERE, the sandbox's database in the environment, no terminal (standard
# input from /dev/null); prints its exit status.
as_written_run() {
  local rc=0
  (cd "$2" && sandbox_pg "$1" bash -c "$3") </dev/null >"$4" 2>&1 || rc=$?
  echo "$rc"
}

# as_written_step DIR ID WHERE LINE [RUN WHY]: runs LINE (the plan's, as
# printed), or RUN in its place for the reason WHY, with bash in WHERE, the
# sandbox's database in the environment and no terminal (standard input from
# /dev/null). Never fails: the exit status is recorded and shown.
as_written_step() {
  local dir=$1 id=$2 where=$3 line=$4 run=${5:-$4} why=${6:-} out rc
  out=$(as_written_dir "$dir")/$id.out
  printf '    [%s] $ %s\n' "$id" "$line"
  if [[ -n $why ]]; then printf '        (ran: %s — %s)\n' "$run" "$why"; fi
  rc=$(as_written_run "$dir" "$where" "$run" "$out")
  as_written_show "$out"
  printf '        exit %d\n' "$rc"
  as_written_record "$dir" "$id" "$line" "$rc" "$out"
}

# A line the sandbox has nothing to run for: recorded as not run.
as_written_skip() {
  local dir=$1 id=$2 line=$3 why=$4
  printf '    [%s] $ %s\n        (not run: %s)\n' "$id" "$line" "$why"
  printf '%s\t%s\t-\tnot run: %s\n' "$id" "$line" "$why" >>"$(as_written_dir "$dir")/steps.tsv"
}

# A probe: not a line of the plan, but what one of its lines meets under
# another circumstance; shown, not recorded.
as_written_probe() {
  local dir=$1 what=$2 where=$3 run=$4 out rc
  out=$(as_written_dir "$dir")/probe.$((++AS_WRITTEN_PROBES)).out
  printf '        probe: %s\n        $ %s\n' "$what" "$run"
  rc=$(as_written_run "$dir" "$where" "$run" "$out")
  as_written_show "$out" | sed 's/^/  /'
  printf '          exit %d\n' "$rc"
}
declare -gi AS_WRITTEN_PROBES=0

# The plan names its backup backup_YYYYMMDD.sql and restores it with
# pg_restore, which reads only pg_dump's archive formats: the sandbox's
# backup (pg_dump -Fc, taken before the deploy, the same day) gets that name,
# which gives the plan's restore line its best chance.
as_written_prepare() {
  local dir=$1 backup
  mkdir -p "$(as_written_dir "$dir")"
  backup=$(sandbox_backup "$dir")
  mv -- "$dir/$backup" "$dir/${backup%.dump}.sql"
}

# crontab -e edits the user's crontab in cron's spool: here the spool is
# DIR/spool, mounted over /var/spool/cron/crontabs in a mount namespace of
# its own, holding the sandbox's crontab as the user's. Afterwards the
# sandbox's crontab is what the spool holds. Needs root (unshare -m): prints
# the path of a script that runs its arguments so (an editor that waits for
# ever is stopped after 30 s), or nothing when it cannot.
as_written_spool_runner() {
  local dir=$1 spool=/var/spool/cron/crontabs runner=$1/as-written/in-spool
  [[ $(id -u) -eq 0 && -d $spool ]] && command -v crontab >/dev/null && command -v unshare >/dev/null || return 0
  mkdir -p "$dir/spool"
  cp "$dir/crontab" "$dir/spool/$(id -un)"
  chmod 600 "$dir/spool/$(id -un)"
  cat >"$runner" <<EOF
#!/bin/sh
# Runs its arguments with $dir/spool as cron's spool, in a mount namespace of its own.
exec unshare -m sh -c 'mount --bind "\$1" $spool && shift && exec timeout 30 "\$@"' sh "$dir/spool" "\$@"
EOF
  chmod +x "$runner"
  echo "$runner"
}

as_written_crontab_back() {
  local dir=$1 user
  user=$(id -un)
  if [[ -f $dir/spool/$user ]]; then cp "$dir/spool/$user" "$dir/crontab"; fi
}

as_written_phase1_3() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 1-3"
  as_written_step "$dir" 1-3.1 "$repo" "rm -rf core/pipeline/ core/fetchers/ core/enrichment/"
  as_written_step "$dir" 1-3.2 "$repo" "rm -rf core/agents/ core/quality_filters/"
  as_written_step "$dir" 1-3.3 "$repo" "rm tests/test_*_new.py"
  as_written_step "$dir" 1-3.4 "$repo" "pytest tests/ -v"
}

as_written_phase4_5() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 4-5"
  as_written_step "$dir" 4-5.1 "$repo" "git checkout HEAD -- scripts/core/batch_opportunity_scoring.py"
  as_written_step "$dir" 4-5.2 "$repo" "git checkout HEAD -- scripts/dlt/dlt_trust_pipeline.py"
  as_written_step "$dir" 4-5.3 "$repo" "rm -rf core/fetchers/database_fetcher.py"
  as_written_step "$dir" 4-5.4 "$repo" "rm -rf core/deduplication/"
  as_written_step "$dir" 4-5.5 "$repo" "python scripts/core/batch_opportunity_scoring.py --limit 10"
}

as_written_phase6() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 6"
  as_written_step "$dir" 6.1 "$repo" "rm -rf core/enrichment/"
  as_written_step "$dir" 6.2 "$repo" "git checkout HEAD -- scripts/core/batch_opportunity_scoring.py"
  as_written_step "$dir" 6.3 "$repo" "python scripts/testing/test_ai_services.py"
}

# The restore line meets the backup in three ways; the two that change
# nothing run first, as probes, in a directory of their own.
as_written_phase7() {
  local dir=$1 repo=$1/reddit_harbor probe=$1/as-written/probe-backup restore
  restore='pg_restore -d reddit_harbor backup_$(date +%Y%m%d).sql'
  sandbox_log "Phase 7"
  as_written_step "$dir" 7.1 "$repo" "rm -rf core/storage/"
  mkdir -p "$probe/yesterday" "$probe/plain"
  cp -p "$dir/$(sandbox_backup "$dir")" "$probe/yesterday/backup_$(date -d yesterday +%Y%m%d).sql"
  as_written_probe "$dir" "the backup taken the day before the rollback (backup_$(date -d yesterday +%Y%m%d).sql)" \
    "$probe/yesterday" "$restore"
  as_written_probe "$dir" "the backup taken as its name says, as plain SQL (pg_dump reddit_harbor > backup_\$(date +%Y%m%d).sql)" \
    "$probe/plain" "pg_dump reddit_harbor > backup_\$(date +%Y%m%d).sql && $restore"
  as_written_step "$dir" 7.2 "$dir" "$restore" "$restore" \
    "in the sandbox's directory, where the backup is; taken with pg_dump -Fc, the same day"
  as_written_probe "$dir" "where the restore left the table's id sequence" "$repo" \
    "psql -X -At -d reddit_harbor -c \"SELECT 'next id ' || nextval('opportunities_unified_id_seq') || ', highest id ' || max(id) FROM opportunities_unified\""
  as_written_step "$dir" 7.3 "$repo" "git checkout HEAD -- scripts/"
  as_written_step "$dir" 7.4 "$repo" \
    "SELECT submission_id, COUNT(*) FROM opportunities_unified GROUP BY submission_id HAVING COUNT(*) > 1;" \
    "psql -X -d reddit_harbor -c 'SELECT submission_id, COUNT(*) FROM opportunities_unified GROUP BY submission_id HAVING COUNT(*) > 1;'" \
    "through psql"
}

as_written_phase8() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 8"
  as_written_step "$dir" 8.1 "$repo" "rm -rf core/pipeline/orchestrator.py"
  as_written_step "$dir" 8.2 "$repo" "python scripts/core/batch_opportunity_scoring.py"
  as_written_step "$dir" 8.3 "$repo" "python scripts/dlt/dlt_trust_pipeline.py"
  as_written_step "$dir" 8.4 "$repo" "python scripts/testing/verify_monoliths.py"
}

as_written_phase9_10() {
  local dir=$1 repo=$1/reddit_harbor
  sandbox_log "Phase 9-10"
  printf '    [9-10.1] $ docker-compose down\n        (ran: the API process stopped by its pid — the sandbox has no containers)\n'
  local rc=0
  sandbox_stop_api "$dir" >"$dir/as-written/9-10.1.out" 2>&1 || rc=$?
  as_written_show "$dir/as-written/9-10.1.out"
  printf '        exit %d\n' "$rc"
  as_written_record "$dir" 9-10.1 "docker-compose down" "$rc" "$dir/as-written/9-10.1.out"
  as_written_step "$dir" 9-10.2 "$repo" "rm -rf api/"
  as_written_step "$dir" 9-10.3 "$repo" "rm -rf sdk/"
  as_written_step "$dir" 9-10.4 "$repo" "python scripts/unified/run_unified_pipeline.py"
}

# The job restarted in the background, as the plan's `&` does: recorded as
# the sandbox's monolith.pid, so that removing the sandbox stops it.
as_written_restart() {
  local dir=$1 repo=$1/reddit_harbor line='python scripts/core/batch_opportunity_scoring.py --limit 100 &'
  local out=$1/as-written/11.4.out pid rc deadline
  printf '    [11.4] $ %s\n' "$line"
  # exec: the recorded pid is the job's own, which sandbox_stop can stop.
  (set -a; . "$dir/pg/pg.env"; set +a; cd "$repo" &&
   exec python scripts/core/batch_opportunity_scoring.py --limit 100) </dev/null >"$out" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/monolith.pid"
  printf '        started, pid %d\n' "$pid"
  # The plan's next line is the operator's only look at it: give the job the
  # same time, then say how it ended.
  as_written_step "$dir" 11.5 "$repo" "tail -f logs/batch_opportunity_scoring.log" \
    "timeout $AS_WRITTEN_TAIL_SECONDS tail -f logs/batch_opportunity_scoring.log || [ \$? -eq 124 ]" \
    "tail -f never ends: stopped after $AS_WRITTEN_TAIL_SECONDS s, as the operator's Ctrl-C would"
  deadline=$((SECONDS + 60))
  while sandbox_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  rc=0
  if sandbox_alive "$pid"; then
    echo "still running $AS_WRITTEN_TAIL_SECONDS s and 60 s more after its start" >>"$out"
  else
    wait "$pid" || rc=$?
  fi
  printf '        the job (pid %d), its own output:\n' "$pid"
  as_written_show "$out"
  printf '        exit %d\n' "$rc"
  as_written_record "$dir" 11.4 "$line" "$rc" "$out"
}

as_written_phase11() {
  local dir=$1 repo=$1/reddit_harbor runner
  sandbox_log "Phase 11"
  as_written_skip "$dir" 11.0 "docker-compose -f docker-compose.prod.yml down" "the sandbox has no production containers"
  as_written_step "$dir" 11.1 "$repo" "killall -9 run_unified_pipeline.py"
  as_written_step "$dir" 11.2 "$repo" "cp scripts/archive/monoliths_YYYYMMDD/*.py scripts/core/" \
    "cp scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE/*.py scripts/core/" "YYYYMMDD: the archive's date, which the plan does not give"
  as_written_probe "$dir" "the line with YYYYMMDD left as printed" "$repo" \
    "ls scripts/archive/monoliths_YYYYMMDD/*.py"
  runner=$(as_written_spool_runner "$dir")
  if [[ -n $runner ]]; then
    as_written_step "$dir" 11.3 "$repo" "crontab -e" "$runner crontab -e" \
      "no terminal, as in a script or ssh without -t; the spool is the sandbox's, in a mount namespace of its own"
    as_written_crontab_back "$dir"
  else
    as_written_skip "$dir" 11.3 "crontab -e" "needs root and cron's crontab here (the spool is mounted in a namespace of its own)"
  fi
  printf '    [11.3] $ # 0 2 * * * python scripts/core/batch_opportunity_scoring.py\n        (a comment: nothing runs)\n'
  mkdir -p "$dir/home"
  as_written_probe "$dir" "that entry's command as cron runs it (in HOME, PATH=/usr/bin:/bin)" "$dir/home" \
    "env -i HOME=$dir/home SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c 'python scripts/core/batch_opportunity_scoring.py'"
  as_written_restart "$dir"
  as_written_step "$dir" 11.6 "$repo" \
    "SELECT COUNT(*) FROM opportunities_unified WHERE created_at > NOW() - INTERVAL '1 hour';" \
    "psql -X -d reddit_harbor -c \"SELECT COUNT(*) FROM opportunities_unified WHERE created_at > NOW() - INTERVAL '1 hour';\"" \
    "through psql"
  as_written_skip "$dir" 11.7 'echo "PRODUCTION ROLLED BACK: $(date)" | mail -s "URGENT" team@company.com' \
    "no mail leaves the sandbox"
}

as_written_roll_back() {
  local dir=$1
  sandbox_record_since "$dir"
  : >"$(as_written_dir "$dir")/steps.tsv"
  echo "    python is $(command -v python || echo 'not found'), pytest $(command -v pytest || echo 'not found')," \
    "killall $(command -v killall || echo 'not found'), crontab $(command -v crontab || echo 'not found')"
  as_written_phase1_3 "$dir"
  as_written_phase4_5 "$dir"
  as_written_phase6 "$dir"
  as_written_phase7 "$dir"
  as_written_phase8 "$dir"
  as_written_phase9_10 "$dir"
  as_written_phase11 "$dir"
}

# as_written_findings DIR REPORTS: for each case that failed or erred, the
# plan's lines behind it, their exit status and what they said; then the
# lines that failed although no check went red for them.
as_written_findings() {
  local dir=$1 reports=$2 name verdict step id text status telling
  local -A line=() rc=() said=() blamed=()
  while IFS=$'\t' read -r id text status telling; do
    line[$id]=$text rc[$id]=$status said[$id]=$telling
  done <"$(as_written_dir "$dir")/steps.tsv"
  echo
  echo "what the plan's lines left red (the check, then the plan's lines behind it):"
  while IFS=$'\t' read -r verdict name; do
    printf '  %s %s\n' "${verdict^^}" "$name"
    if [[ -z ${AS_WRITTEN_GUARD[$name]:-} ]]; then
      echo "      no line of the plan is meant to make it green"
    fi
    for step in ${AS_WRITTEN_GUARD[$name]:-}; do
      blamed[$step]=1
      printf '      [%s] %s  →  exit %s%s\n' "$step" "${line[$step]:-?}" "${rc[$step]:-?}" "${said[$step]:+: ${said[$step]}}"
    done
  done < <(suites_red_cases "$reports")
  echo
  echo "lines that failed with no check red for them:"
  while IFS=$'\t' read -r id text status telling; do
    [[ $status != 0 && $status != - && -z ${blamed[$id]:-} ]] || continue
    printf '  [%s] %s  →  exit %s%s\n' "$id" "$text" "$status" "${telling:+: $telling}"
  done <"$(as_written_dir "$dir")/steps.tsv"
  echo "every line's output: $(as_written_dir "$dir")/<step>.out"
}
