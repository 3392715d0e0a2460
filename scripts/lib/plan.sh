# The rollback plan the rehearsal follows (plans/reddit_harbor.toml), read
# through scripts/lib/plan.py: the suites to run come from its phases, the
# lines --as-written runs from its steps. Sourced by scripts/rehearse after
# scripts/lib/sandbox.sh (the sandbox's interpreter reads it).
#
#   plan_file BIN          the plan BIN's suites follow when the target names none
#   plan_read WHAT PLAN    plan.py WHAT PLAN (phases, steps, guards; see plan.py)

PLAN_NAME=reddit_harbor.toml
PLAN_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# The copy the build put beside the suites (they find their default plan
# there), else the source tree's: the one they were built from.
plan_file() {
  if [[ -f $1/plans/$PLAN_NAME ]]; then
    echo "$1/plans/$PLAN_NAME"
  else
    echo "$(dirname "$(dirname "$PLAN_LIB")")/plans/$PLAN_NAME"
  fi
}

plan_read() { "$SANDBOX_PYTHON" "$PLAN_LIB/plan.py" "$@"; }
