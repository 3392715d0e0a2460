# The rollback of `scripts/rehearse --as-written`: the plan's lines as
# the plan prints them (its [[phase.step]] tables), run one by one in the
# sandbox, so that the phase suites judge the plan itself rather than the
# rehearsal's reading of it. Sourced by scripts/rehearse after
# scripts/lib/sandbox.sh, scripts/lib/plan.sh and scripts/lib/suites.sh.
#
#   as_written_check PLAN      the sandbox's adaptations fit PLAN's lines (below)
#   as_written_prepare DIR     the backup under the plan's name (before the rollback)
#   as_written_roll_back DIR PLAN   every step of PLAN, in order; a failing line
#                              does not stop the rest (the plan says nothing of
#                              what to do then), its exit status is recorded
#   as_written_findings DIR REPORTS PLAN   each red check, the plan's lines
#                              behind it (the check's `steps`) and what they
#                              did; then the lines that failed with no check
#                              red for them
#
# A line runs as written but for what the sandbox forces: the database is the
# sandbox's (PGHOST and PGPORT in the environment, as in the operator's
# shell), the relative paths are the work tree's (the backup's, the
# sandbox's directory), docker-compose runs on the sandbox's Docker daemon
# (DOCKER_HOST) with --containers, and without them has none to stop (the
# API is a process, stopped by its pid), the YYYYMMDD placeholder is the archive's
# date, crontab -e edits a spool of the sandbox's own (in a mount namespace of
# its own: the machine's crontabs are never touched), `tail -f` is stopped
# after AS_WRITTEN_TAIL_SECONDS, and no mail is sent. Each adaptation is
# registered by the step's id (as_written_adapt, at the end of this file) and
# printed beside the line.
#
# DIR/as-written/steps.tsv records each line: its id, the line, its exit
# status and the line of its output that tells most; DIR/as-written/ID.out
# holds all of its output.

AS_WRITTEN_TAIL_SECONDS=${AS_WRITTEN_TAIL_SECONDS:-10}
# Lines of a step's output shown; the rest stays in its .out file.
AS_WRITTEN_SHOWN=8

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

# --- the plan's lines ---------------------------------------------------------------

# A line as printed, in the work tree.
as_written_as_printed() { as_written_step "$1" "$2" "$1/reddit_harbor" "$3"; }

# TEXT quoted for a shell, as a person would: in single quotes unless it holds one.
as_written_quote() {
  if [[ $1 != *"'"* ]]; then
    printf "'%s'" "$1"
  elif [[ $1 != *[\"\$\`\\]* ]]; then
    printf '"%s"' "$1"
  else
    printf '%q' "$1"
  fi
}

# The adaptations, each FUNCTION DIR ID LINE (the plan's line). They are
# registered at the end of this file.
declare -gA AS_WRITTEN_ADAPTED=() AS_WRITTEN_EXPECTED=()

# as_written_adapt ID FUNCTION GLOB: the plan's step ID runs through
# FUNCTION; its line must match GLOB, else as_written_check refuses the plan:
# an adaptation meant for another line must not run this one (nor leave a
# crontab -e to run on the machine's own crontab).
as_written_adapt() {
  AS_WRITTEN_ADAPTED[$1]=$2
  AS_WRITTEN_EXPECTED[$1]=$3
}

# A line the sandbox cannot run as printed: any that would reach beyond it
# (the machine's crontab and containers, the mail) or never end.
as_written_needs_adapting() {
  [[ $1 =~ (^|[^[:alnum:]_])(crontab|docker-compose|docker|mail|sendmail)([^[:alnum:]_]|$) ||
     $1 == *"tail -f"* || $1 == *"&" ]]
}

# as_written_check PLAN: every adaptation names a step of PLAN whose line it
# fits, and no line that needs one runs without; prints what does not fit
# and returns 2.
as_written_check() {
  local steps phase id line errors=
  local -A seen=()
  steps=$(plan_read steps "$1") || return 2
  while IFS=$'\t' read -r phase id line; do
    seen[$id]=1
    if [[ -n ${AS_WRITTEN_ADAPTED[$id]:-} ]]; then
      # shellcheck disable=SC2053 # the expected line is a glob
      [[ $line == ${AS_WRITTEN_EXPECTED[$id]} ]] ||
        errors+=$'\n'"  step $id: '$line' is not what its adaptation runs ('${AS_WRITTEN_EXPECTED[$id]}')"
    elif as_written_needs_adapting "$line"; then
      errors+=$'\n'"  step $id: '$line' reaches beyond the sandbox or never ends, and has no adaptation"
    fi
  done <<<"$steps"
  for id in "${!AS_WRITTEN_ADAPTED[@]}"; do
    [[ -n ${seen[$id]:-} ]] || errors+=$'\n'"  step $id: adapted, but the plan has no such step"
  done
  [[ -z $errors ]] && return 0
  echo "scripts/rehearse --as-written: the plan $1 does not fit scripts/lib/as_written.sh:$errors" >&2
  return 2
}

# The restore line meets the backup in three ways; the two that change
# nothing run first, as probes, in a directory of their own.
as_written_restore() {
  local dir=$1 id=$2 line=$3 repo=$1/reddit_harbor probe=$1/as-written/probe-backup yesterday
  yesterday=backup_$(date -d yesterday +%Y%m%d).sql
  mkdir -p "$probe/yesterday" "$probe/plain"
  cp -p "$dir/$(sandbox_backup "$dir")" "$probe/yesterday/$yesterday"
  as_written_probe "$dir" "the backup taken the day before the rollback ($yesterday)" "$probe/yesterday" "$line"
  as_written_probe "$dir" "the backup taken as its name says, as plain SQL (pg_dump reddit_harbor > backup_\$(date +%Y%m%d).sql)" \
    "$probe/plain" "pg_dump reddit_harbor > backup_\$(date +%Y%m%d).sql && $line"
  as_written_step "$dir" "$id" "$dir" "$line" "$line" \
    "in the sandbox's directory, where the backup is; taken with pg_dump -Fc, the same day"
  as_written_probe "$dir" "where the restore left the table's id sequence" "$repo" \
    "psql -X -At -d reddit_harbor -c \"SELECT 'next id ' || nextval('opportunities_unified_id_seq') || ', highest id ' || max(id) FROM opportunities_unified\""
}

# SQL, as the plan prints it, typed into psql.
as_written_sql() {
  as_written_step "$1" "$2" "$1/reddit_harbor" "$3" "psql -X -d reddit_harbor -c $(as_written_quote "$3")" "through psql"
}

# A docker-compose line, with containers (scripts/rehearse --containers):
# as printed, on the sandbox's daemon.
as_written_on_daemon() {
  as_written_step "$1" "$2" "$1/reddit_harbor" "$3" "DOCKER_HOST=$(<"$1/docker.host") $3" \
    "as printed, on the sandbox's Docker daemon"
}

# Phase 9-10's docker-compose down; without containers, the API is a process.
as_written_compose_api() {
  local dir=$1 id=$2 line=$3 out rc=0
  if containers_on "$dir"; then as_written_on_daemon "$@"; return; fi
  out=$(as_written_dir "$dir")/$id.out
  printf '    [%s] $ %s\n        (ran: the API process stopped by its pid — the sandbox runs no containers)\n' "$id" "$line"
  sandbox_stop_api "$dir" >"$out" 2>&1 || rc=$?
  as_written_show "$out"
  printf '        exit %d\n' "$rc"
  as_written_record "$dir" "$id" "$line" "$rc" "$out"
}

# Phase 11's docker-compose down of the production services.
as_written_compose_prod() {
  if containers_on "$1"; then as_written_on_daemon "$@"; return; fi
  as_written_skip "$1" "$2" "$3" "the sandbox runs no containers (scripts/rehearse --containers)"
}

as_written_no_mail() { as_written_skip "$1" "$2" "$3" "no mail leaves the sandbox"; }

as_written_archive_date() {
  local dir=$1 repo=$1/reddit_harbor
  as_written_step "$dir" "$2" "$repo" "$3" "${3//YYYYMMDD/$SANDBOX_ARCHIVE_DATE}" \
    "YYYYMMDD: the archive's date, which the plan does not give"
  as_written_probe "$dir" "the line with YYYYMMDD left as printed" "$repo" \
    "ls scripts/archive/monoliths_YYYYMMDD/*.py"
}

as_written_crontab_edit() {
  local dir=$1 id=$2 line=$3 runner
  runner=$(as_written_spool_runner "$dir")
  if [[ -n $runner ]]; then
    as_written_step "$dir" "$id" "$dir/reddit_harbor" "$line" "$runner $line" \
      "no terminal, as in a script or ssh without -t; the spool is the sandbox's, in a mount namespace of its own"
    as_written_crontab_back "$dir"
  else
    as_written_skip "$dir" "$id" "$line" "needs root and cron's crontab here (the spool is mounted in a namespace of its own)"
  fi
}

# The entry the plan gives crontab -e, a comment in its shell block: shown,
# not recorded; then its command as cron would run it.
as_written_cron_entry() {
  local dir=$1 command
  printf '    [%s] $ %s\n        (a comment: nothing runs)\n' "$2" "$3"
  # The entry's command: what follows its five time fields.
  read -r _ _ _ _ _ command <<<"${3#\#}"
  mkdir -p "$dir/home"
  as_written_probe "$dir" "that entry's command as cron runs it (in HOME, PATH=/usr/bin:/bin)" "$dir/home" \
    "env -i HOME=$dir/home SHELL=/bin/sh PATH=/usr/bin:/bin /bin/sh -c '$command'"
}

# The job a line ending in & starts, as the plan's restart does: its pid
# (the sandbox's monolith.pid, so that removing the sandbox stops it), its
# step id and line, until as_written_background_end reports it.
declare -g AS_WRITTEN_BG_PID='' AS_WRITTEN_BG_ID='' AS_WRITTEN_BG_LINE=''

as_written_background() {
  local dir=$1 id=$2 line=$3
  printf '    [%s] $ %s\n' "$id" "$line"
  # exec in bash -c too: the recorded pid is the job's own, which sandbox_stop can stop.
  sandbox_spawn "$dir" monolith "$dir/reddit_harbor" "$(as_written_dir "$dir")/$id.out" bash -c "exec ${line%&}"
  AS_WRITTEN_BG_PID=$(<"$dir/monolith.pid") AS_WRITTEN_BG_ID=$id AS_WRITTEN_BG_LINE=$line
  printf '        started, pid %d\n' "$AS_WRITTEN_BG_PID"
}

# After the plan's next line, the operator's only look at it, the job gets a
# minute more to end; then how it ended, and its own output.
as_written_background_end() {
  local dir=$1 pid=$AS_WRITTEN_BG_PID id=$AS_WRITTEN_BG_ID out rc=0 deadline
  out=$(as_written_dir "$dir")/$id.out
  deadline=$((SECONDS + 60))
  while sandbox_alive "$pid" && ((SECONDS < deadline)); do sleep 0.2; done
  if sandbox_alive "$pid"; then
    echo "still running $AS_WRITTEN_TAIL_SECONDS s and 60 s more after its start" >>"$out"
  else
    wait "$pid" || rc=$?
  fi
  printf '        the job (pid %d), its own output:\n' "$pid"
  as_written_show "$out"
  printf '        exit %d\n' "$rc"
  as_written_record "$dir" "$id" "$AS_WRITTEN_BG_LINE" "$rc" "$out"
  AS_WRITTEN_BG_PID='' AS_WRITTEN_BG_ID='' AS_WRITTEN_BG_LINE=''
}

as_written_tail() {
  as_written_step "$1" "$2" "$1/reddit_harbor" "$3" \
    "timeout $AS_WRITTEN_TAIL_SECONDS $3 || [ \$? -eq 124 ]" \
    "tail -f never ends: stopped after $AS_WRITTEN_TAIL_SECONDS s, as the operator's Ctrl-C would"
}

as_written_roll_back() {
  local dir=$1 plan=$2 steps phase id line shown=
  steps=$(plan_read steps "$plan") || return 2
  sandbox_record_since "$dir"
  : >"$(as_written_dir "$dir")/steps.tsv"
  echo "    python is $(command -v python || echo 'not found'), pytest $(command -v pytest || echo 'not found')," \
    "killall $(command -v killall || echo 'not found'), crontab $(command -v crontab || echo 'not found')"
  # The steps on a descriptor of their own: no line reads them as its input.
  while IFS=$'\t' read -r -u 3 phase id line; do
    if [[ $phase != "$shown" ]]; then
      sandbox_log "Phase $phase"
      shown=$phase
    fi
    "${AS_WRITTEN_ADAPTED[$id]:-as_written_as_printed}" "$dir" "$id" "$line"
    if [[ -n $AS_WRITTEN_BG_PID && $AS_WRITTEN_BG_ID != "$id" ]]; then as_written_background_end "$dir"; fi
  done 3<<<"$steps"
  if [[ -n $AS_WRITTEN_BG_PID ]]; then as_written_background_end "$dir"; fi
}

# as_written_findings DIR REPORTS PLAN: for each case that failed or erred,
# the plan's lines behind it (its check's `steps`: the lines meant to make it
# green, the first one first), their exit status and what they said; then
# the lines that failed although no check went red for them.
as_written_findings() {
  local dir=$1 reports=$2 plan=$3 name verdict check steps step id text status telling
  local -A line=() rc=() said=() blamed=() guard=()
  while IFS=$'\t' read -r id text status telling; do
    line[$id]=$text rc[$id]=$status said[$id]=$telling
  done <"$(as_written_dir "$dir")/steps.tsv"
  while IFS=$'\t' read -r check steps; do
    guard[$check]=$steps
  done < <(plan_read guards "$plan")
  echo
  echo "what the plan's lines left red (the check, then the plan's lines behind it):"
  while IFS=$'\t' read -r verdict check name; do
    printf '  %s %s\n' "${verdict^^}" "$name"
    if [[ -z ${guard[$check]:-} ]]; then
      echo "      no line of the plan is meant to make it green"
    fi
    for step in ${guard[$check]:-}; do
      blamed[$step]=1
      printf '      [%s] %s  →  exit %s%s\n' "$step" "${line[$step]:-?}" "${rc[$step]:-?}" "${said[$step]:+: ${said[$step]}}"
    done
  done < <(suites_red_cases "$reports" "$plan")
  echo
  echo "lines that failed with no check red for them:"
  while IFS=$'\t' read -r id text status telling; do
    [[ $status != 0 && $status != - && -z ${blamed[$id]:-} ]] || continue
    printf '  [%s] %s  →  exit %s%s\n' "$id" "$text" "$status" "${telling:+: $telling}"
  done <"$(as_written_dir "$dir")/steps.tsv"
  echo "every line's output: $(as_written_dir "$dir")/<step>.out"
}

# What the sandbox forces, by the plan's step id; each adaptation says why
# beside the line it runs. The ids are plans/reddit_harbor.toml's.
as_written_adapt 7.2 as_written_restore 'pg_restore *'
as_written_adapt 7.4 as_written_sql 'SELECT *'
as_written_adapt 9-10.1 as_written_compose_api 'docker-compose down'
as_written_adapt 11.1 as_written_compose_prod 'docker-compose *'
as_written_adapt 11.3 as_written_archive_date '*YYYYMMDD*'
as_written_adapt 11.4 as_written_crontab_edit 'crontab -e'
as_written_adapt 11.5 as_written_cron_entry '#*'
as_written_adapt 11.6 as_written_background '*&'
as_written_adapt 11.7 as_written_tail 'tail -f *'
as_written_adapt 11.8 as_written_sql 'SELECT *'
as_written_adapt 11.9 as_written_no_mail '*mail *'
