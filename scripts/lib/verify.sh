# The plan's "verify" lines as rollcheck commands, run against a rolled-back
# sandbox (scripts/lib/sandbox.sh). Sourced by scripts/rehearse.

verify_rows=()
verify_worst=0
verify_missing=()

# verify_check PHASE WHAT "SUBCOMMAND WORDS" ARGS...
# Runs `rollcheck SUBCOMMAND ARGS…`, records its first line and exit status.
verify_check() {
  local phase=$1 what=$2 words=$3; shift 3
  local -a sub
  read -r -a sub <<<"$words"
  # A subcommand exists when its own help names it ("Usage: rollcheck db duplicates …").
  if ! "$verify_rollcheck" "${sub[@]}" --help 2>/dev/null | grep -q "rollcheck $words"; then
    verify_missing+=("rollcheck $words ($phase: $what)")
    return 0
  fi
  local output rc=0
  output=$("$verify_rollcheck" "${sub[@]}" "$@" 2>&1) || rc=$?
  verify_rows+=("$(printf '%-11s %-44s %s' "$phase" "$what" "${output%%$'\n'*}")")
  if [[ $rc -ne 0 ]]; then
    printf '%s\n' "$output" | sed 's/^/      /' >&2
    ((rc > verify_worst)) && verify_worst=$rc
  fi
  return 0
}

verify_rollback() {
  local dir=$1 repo=$1/reddit_harbor
  verify_rollcheck=$2
  local dsn port archive=$repo/scripts/archive/monoliths_$SANDBOX_ARCHIVE_DATE
  dsn=$(sandbox_dsn "$dir")
  port=$(<"$dir/api.port")
  # The pipeline's own scripts find the database as the operator's shell does.
  set -a; . "$dir/pg/pg.env"; set +a

  verify_check "Phase 1-3" "new modules are gone" "files absent" --root "$repo" \
    core/pipeline core/fetchers core/enrichment core/agents core/quality_filters 'tests/test_*_new.py'
  verify_check "Phase 1-3" "old system works (pytest tests/ -v)" "run" \
    --cwd "$repo" --timeout 120s -- "$SANDBOX_PYTHON" -m pytest tests/ -v
  verify_check "Phase 1-3" "new modules gone, old ones import" "py imports" \
    --python "$SANDBOX_PYTHON" --cwd "$repo" --module core.scoring \
    --gone core.pipeline --gone core.fetchers --gone core.enrichment --gone core.agents --gone core.quality_filters
  verify_check "Phase 4-5" "monoliths restored as in HEAD" "files restored" --root "$repo" \
    scripts/core/batch_opportunity_scoring.py scripts/dlt/dlt_trust_pipeline.py
  verify_check "Phase 4-5" "extracted modules no longer import" "py imports" \
    --python "$SANDBOX_PYTHON" --cwd "$repo" --gone core.deduplication --gone core.fetchers.database_fetcher
  verify_check "Phase 4-5" "monolith runs (--limit 10)" "run" --cwd "$repo" --timeout 60s \
    -- "$SANDBOX_PYTHON" scripts/core/batch_opportunity_scoring.py --limit 10
  verify_check "Phase 6" "enrichment services are gone" "files absent" --root "$repo" core/enrichment
  verify_check "Phase 6" "AI services work (test_ai_services.py)" "run" --cwd "$repo" --timeout 60s \
    -- "$SANDBOX_PYTHON" scripts/testing/test_ai_services.py
  verify_check "Phase 7" "backup verified" "db backup" \
    "$dir"/backup_*.dump --table public.opportunities_unified --max-age 26h
  verify_check "Phase 7" "no duplicated submission_id" "db duplicates" \
    --dsn "$dsn" --table opportunities_unified --key submission_id
  verify_check "Phase 7" "no data lost since the baseline" "db compare" "$dir/baseline.json" --dsn "$dsn"
  verify_check "Phase 8" "both monoliths work" "run" --cwd "$repo" --timeout 60s \
    -- "$SANDBOX_PYTHON" scripts/testing/verify_monoliths.py
  verify_check "Phase 8" "orchestrator is gone" "files absent" --root "$repo" core/pipeline/orchestrator.py
  verify_check "Phase 9-10" "API and SDK removed" "files absent" --root "$repo" api sdk
  verify_check "Phase 9-10" "API port closed" "net port" --port "$port" --closed
  verify_check "Phase 9-10" "API no longer answers" "net http" \
    "http://127.0.0.1:$port/health" --no-answer --timeout 3s
  verify_check "Phase 9-10" "direct Python access works" "run" --cwd "$repo" --timeout 60s \
    -- "$SANDBOX_PYTHON" scripts/unified/run_unified_pipeline.py
  verify_check "Phase 11" "unified pipeline stopped" "proc absent" --wait 5s run_unified_pipeline
  verify_check "Phase 11" "monoliths match the archive" "files restored" \
    --root "$repo/scripts/core" --archive "$archive" batch_opportunity_scoring.py
  verify_check "Phase 11" "cron job back, unified one gone" "cron expect" --file "$dir/crontab" \
    --schedule '0 2 * * *' \
    --command "$(sandbox_cron_command "$dir")" \
    --absent run_unified_pipeline
  verify_check "Phase 11" "crontab exactly as before the deploy" "cron diff" \
    "$dir/crontab.snapshot" --file "$dir/crontab"
  verify_check "Phase 11" "log: progress lines, no error" "logs scan" \
    "$repo/logs/batch_opportunity_scoring.log" --error 'ERROR|CRITICAL|Traceback' \
    --require 'processed [0-9]+ submissions:4'
  verify_check "Phase 11" "database writes in the last hour" "db recent" \
    --dsn "$dsn" --table opportunities_unified --column created_at --within 1h --min 100

  echo
  printf '%-11s %-44s %s\n' "PHASE" "CHECK" "VERDICT"
  [[ ${#verify_rows[@]} -gt 0 ]] && printf "%s\n" "${verify_rows[@]}"
  if [[ ${#verify_missing[@]} -gt 0 ]]; then
    echo
    echo "Not there yet (these verifiers are not built into rollcheck yet, so nothing checked them):"
    printf '  - %s\n' "${verify_missing[@]}"
  fi
  echo
  echo "Not there yet: the per-phase suites (verify-phase1-3 … verify-phase11); the checks above run one by one."
  if [[ ${#verify_rows[@]} -eq 0 ]]; then
    echo "No verifier ran: nothing about this rollback is verified." >&2
  fi
  return "$verify_worst"
}
