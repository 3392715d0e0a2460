# Runs every phase suite against a sandbox's target file, one after the
# other, and prints one table: suite, time, and its closing line (verdict,
# counts, the decision matrix's action), then the phase's time to green
# against the plan's recovery target. Sourced by scripts/rehearse after
# scripts/lib/sandbox.sh and scripts/lib/plan.sh.

# suites_list PLAN: SUITE<tab>PHASE a line, in the plan's order of phases.
# SUITE is the program the phase names (a link to rollcheck-suite), else
# phase-ID, run as rollcheck-suite --phase ID.
suites_list() {
  local phases phase program
  phases=$(plan_read phases "$1") || return 2
  while IFS=$'\t' read -r phase program; do
    printf '%s\t%s\n' "${program:-phase-$phase}" "$phase"
  done <<<"$phases"
}

# suites_run SANDBOX BIN [REPORTS]: runs the suite of each phase of the plan
# BIN's suites follow, in its order; returns the worst exit status of the
# suites. Their reports go to REPORTS/SUITE (SANDBOX/reports unless given:
# the drills keep one set per fault).
suites_run() {
  local dir=$1 bin=$2 reports=${3:-$1/reports} worst=0 phase suite rc start elapsed closing suites
  local -a options=() command=()
  suites=$(suites_list "$(plan_file "$bin")") || return 2
  # SUITE_OPTIONS: more options for every suite (--wait, --waivers FILE).
  read -r -a options <<<"${SUITE_OPTIONS:-}"
  mkdir -p "$reports"
  echo
  printf '%-17s %7s  %s\n' SUITE TIME VERDICT
  # The list on a descriptor of its own: a suite's standard input stays the caller's.
  while IFS=$'\t' read -r -u 3 suite phase; do
    command=("$bin/$suite")
    [[ $suite != "phase-$phase" ]] || command=("$bin/rollcheck-suite" --phase "$phase")
    start=$(date +%s%N)
    rc=0
    # The suites reach the sandbox's database as its own scripts do. In a
    # subshell, with its redirection: a function's redirection holds this
    # shell's own output too, and the Ctrl-C trap's words would go to the log.
    (sandbox_pg "$dir" "${command[@]}" --target "$dir/target.toml" --report "$reports/$suite" \
      "${options[@]}") >"$reports/$suite.log" 2>&1 || rc=$?
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    closing=$(grep -E '^(PASS|WARN|SKIP|FAIL|ERROR): ' "$reports/$suite.log" | tail -n 1)
    printf '%-17s %5d.%01ds  %s\n' "$suite" $((elapsed / 1000)) $((elapsed % 1000 / 100)) \
      "${closing:-no closing line (exit $rc): see $reports/$suite.log}"
    suites_recovery "$reports/$suite/results.json"
    if [[ $rc -ne 0 && -f $reports/$suite/report.md ]]; then
      grep -E '^\| [^|]+ \| [^|]+ \| (FAIL|ERROR) \|' "$reports/$suite/report.md" |
        awk -F' \\| ' '{ printf "    %s %s: %s\n", $3, $5, $6 }' | sed 's/ |$//'
    fi
    ((rc > worst)) && worst=$rc
  done 3<<<"$suites"
  echo
  echo "reports: $reports/<suite>/{junit.xml,results.json,report.md,rollcheck.prom,report.html}"
  return "$worst"
}

# suites_recovery RESULTS_JSON: "    time to green: …" per phase of one suite run.
suites_recovery() {
  [[ -f $1 ]] || return 0
  reports_py recovery "$1"
}

# suites_red_cases REPORTS PLAN: the cases that failed or erred, as
# VERDICT<tab>ID<tab>NAME (ID: the plan's check id, - for a check of the
# target's own), one a line, in the plan's order: its phases' suites in turn,
# each suite's cases as it ran them.
suites_red_cases() {
  local suites
  suites=$(suites_list "$2" | cut -f1) || return 2
  # shellcheck disable=SC2086 # one argument per suite
  reports_py red-cases "$1" $suites
}

# reports_py COMMAND ARGS...: scripts/lib/reports.py, what the suites' reports say.
reports_py() { "$SANDBOX_PYTHON" "$SANDBOX_LIB/reports.py" "$@"; }
