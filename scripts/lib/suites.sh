# Runs every phase suite against a sandbox's target file, one after the
# other, and prints one table: suite, time, and its closing line (verdict,
# counts, the decision matrix's action), then the phase's time to green
# against the plan's recovery target. Sourced by scripts/rehearse.

# suites_run SANDBOX BIN [REPORTS]: runs BIN/verify-phase*; returns the worst
# exit status of the suites. Their reports go to REPORTS/SUITE (SANDBOX/reports
# unless given: the drills keep one set per fault).
suites_run() {
  local dir=$1 bin=$2 reports=${3:-$1/reports} worst=0 phase suite rc start elapsed closing
  local -a options=()
  # SUITE_OPTIONS: more options for every suite (--wait, --waivers FILE).
  read -r -a options <<<"${SUITE_OPTIONS:-}"
  # The suites reach the sandbox's database as its own scripts do.
  set -a; . "$dir/env.sh"; set +a
  mkdir -p "$reports"
  echo
  printf '%-17s %7s  %s\n' SUITE TIME VERDICT
  for phase in 1-3 4-5 6 7 8 9-10 11; do
    suite=verify-phase$phase
    start=$(date +%s%N)
    rc=0
    "$bin/$suite" --target "$dir/target.toml" --report "$reports/$suite" \
      "${options[@]}" >"$reports/$suite.log" 2>&1 || rc=$?
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
  done
  echo
  echo "reports: $reports/<suite>/{junit.xml,results.json,report.md,rollcheck.prom,report.html}"
  return "$worst"
}

# suites_recovery RESULTS_JSON: "    time to green: …" per phase of one suite run.
suites_recovery() {
  [[ -f $1 ]] || return 0
  "$SANDBOX_PYTHON" - "$1" <<'PY'
import json, sys
for phase in json.load(open(sys.argv[1])).get("recovery", []):
    print(f"    phase {phase['phase']} time to green: {phase['text']}")
PY
}

# suites_red_cases REPORTS: the cases that failed or erred, as VERDICT<tab>NAME,
# one a line, in the plan's order of phases (with the sandbox's interpreter,
# as drill_verdict).
suites_red_cases() {
  "$SANDBOX_PYTHON" - "$1" <<'PY'
import glob, json, os, re, sys
def phase(path):
    found = re.search(r"phase(\d+)", os.path.basename(os.path.dirname(path)))
    return int(found.group(1)) if found else 0
for path in sorted(glob.glob(f"{sys.argv[1]}/*/results.json"), key=phase):
    with open(path) as f:
        for case in json.load(f)["cases"]:
            if case["verdict"] in ("fail", "error"):
                print(f"{case['verdict']}\t{case['name']}")
PY
}
