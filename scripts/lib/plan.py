"""What scripts/rehearse reads of a rollback plan (plans/*.toml):
its phases, the runbook's lines, and the lines each check verifies. Run with
the sandbox's interpreter (Python 3.11 or later: tomllib).

    plan.py phases PLAN   ID<tab>PROGRAM a line, in the plan's order (PROGRAM
                          empty for a phase that names none)
    plan.py steps PLAN    PHASE<tab>ID<tab>LINE a line: every [[phase.step]],
                          in the plan's order
    plan.py guards PLAN   CHECK-ID<tab>STEP-ID STEP-ID... a line, for each
                          check that names the steps it verifies

A plan that cannot be read exits 1 naming the file; the suites, which read
it too, say what is wrong with it in detail.
"""
import sys
import tomllib


def load(path):
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        sys.exit(f"plan.py: {path}: {e}")


def phases(plan):
    for phase in plan.get("phase", []):
        print(f"{phase['id']}\t{phase.get('program', '')}")


def steps(plan):
    for phase in plan.get("phase", []):
        for step in phase.get("step", []):
            # A line is a record of its own: a tab or a newline would split it.
            if "\t" in step["run"] or "\n" in step["run"]:
                sys.exit(f"plan.py: step {step['id']}: a line with a tab or a newline in it; "
                         "write one step per line")
            print(f"{phase['id']}\t{step['id']}\t{step['run']}")


def guards(plan):
    for check in plan.get("check", []):
        if check.get("steps"):
            print(f"{check['id']}\t{' '.join(check['steps'])}")


def main(argv):
    commands = {"phases": phases, "steps": steps, "guards": guards}
    if len(argv) != 3 or argv[1] not in commands:
        sys.exit("usage: plan.py phases|steps|guards PLAN")
    commands[argv[1]](load(argv[2]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
