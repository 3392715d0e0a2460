"""What scripts/rehearse reads of the suites' reports (SUITE/results.json
under a reports directory). Run with the sandbox's interpreter, not the first
python3 on PATH: a version manager's shim there took 0.9 s a start, 15 s of a
--fault all.

    reports.py recovery RESULTS_JSON     "    phase ID time to green: TEXT" a
                                         line, for each phase of one suite run
    reports.py red-cases REPORTS SUITE...   VERDICT<tab>ID<tab>NAME a line for
                                         each case that failed or erred (ID: the
                                         plan's check id, - for a check of the
                                         target's own), the suites in the order
                                         given, each one's cases as it ran them
    reports.py green REPORTS             how many phases were green within their
                                         recovery target, of those run: "7/7"
    reports.py verdict REPORTS CHECK EVIDENCE VERDICTS   the verdict of the
                                         plan's check CHECK, whether it is one of
                                         VERDICTS (comma-separated) with evidence
                                         matching EVIDENCE (yes/no), the check's
                                         name as the run titled it, and why not,
                                         tab-separated
"""
import glob
import json
import os
import re
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def results(reports):
    return [load(path) for path in sorted(glob.glob(f"{reports}/*/results.json"))]


def recovery(path):
    for phase in load(path).get("recovery", []):
        print(f"    phase {phase['phase']} time to green: {phase['text']}")


def red_cases(reports, *suites):
    for suite in suites:
        path = os.path.join(reports, suite, "results.json")
        if not os.path.exists(path):
            continue
        for case in load(path)["cases"]:
            if case["verdict"] in ("fail", "error"):
                print(f"{case['verdict']}\t{case.get('id') or '-'}\t{case['name']}")


def green(reports):
    phases = [p for run in results(reports) for p in run.get("recovery", [])]
    print(f"{sum(p['met'] for p in phases)}/{len(phases)}")


def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings(v)


def verdict(reports, check_id, evidence, verdicts):
    found = None
    for run in results(reports):
        for case in run["cases"]:
            if case.get("id") == check_id:
                found = case
    if found is None:
        print("absent\tno\t(no such check)\tno check with this id in the reports")
    elif found["verdict"] not in verdicts.split(","):
        said = "; ".join(r.get("summary", "") for r in found["results"]) or found.get("failure") or ""
        print(f"{found['verdict']}\tno\t{found['name']}\texpected {verdicts.replace(',', ' or ')}: {said}")
    elif not any(re.search(evidence, s) for s in strings([found["results"], found.get("failure")])):
        print(f"{found['verdict']}\tno\t{found['name']}\tits evidence does not match /{evidence}/")
    else:
        print(f"{found['verdict']}\tyes\t{found['name']}\t")


# Each command, and how many arguments it takes (None: one or more).
COMMANDS = {"recovery": (recovery, 1), "red-cases": (red_cases, None), "green": (green, 1),
            "verdict": (verdict, 4)}


def main(argv):
    name, args = (argv[1], argv[2:]) if len(argv) > 1 else ("", [])
    command, count = COMMANDS.get(name, (None, 0))
    if command is None or not args or (count is not None and len(args) != count):
        sys.exit("usage: reports.py recovery RESULTS_JSON | red-cases REPORTS SUITE... | "
                 "green REPORTS | verdict REPORTS CHECK EVIDENCE VERDICTS")
    command(*args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
