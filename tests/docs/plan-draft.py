#!/usr/bin/env python3
"""docs/plans.md's draft is a real one: in a copy of examples/runbook-draft
at /tmp/runbook-draft, as the page does it, `rollcheck plan draft` prints
on stderr what the page shows, writes the plan the page shows, and the
suite lists the test cases the page shows; the page shows the runbook as
it is.

    plan-draft.py SOURCE_DIR ROLLCHECK SUITE
"""
import difflib
import pathlib
import shutil
import subprocess
import sys

PLACE = pathlib.Path("/tmp/runbook-draft")


def blocks(text):
    """Each fenced block of `text` as (its info word, its lines)."""
    fence, info, lines = None, "", []
    for line in text.splitlines(keepends=True):
        stripped = line.rstrip("\n")
        if fence is None and stripped.startswith("```"):
            fence = stripped[: len(stripped) - len(stripped.lstrip("`"))]
            info, lines = stripped[len(fence):].strip(), []
        elif fence is not None and stripped == fence:
            yield info, "".join(lines)
            fence = None
        elif fence is not None:
            lines.append(line)


def shown(page, info, first_line):
    """The block of `page` tagged `info` whose first line is `first_line`."""
    for tag, body in blocks(page):
        if tag == info and body.startswith(first_line):
            return body
    sys.exit(f"docs/plans.md shows no ```{info} block starting with {first_line!r}")


def same(what, expected, actual):
    if expected == actual:
        return True
    sys.stderr.write(f"docs/plans.md shows another {what} than the real one:\n")
    sys.stderr.writelines(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                               "docs/plans.md", "real"))
    return False


def main():
    source, rollcheck, suite = (pathlib.Path(a).resolve() for a in sys.argv[1:4])
    page = (source / "docs/plans.md").read_text(encoding="utf-8")
    page = page[page.index("\n## Drafting a plan from a runbook\n"):]
    example = source / "examples/runbook-draft"
    shutil.rmtree(PLACE, ignore_errors=True)
    shutil.copytree(example, PLACE)
    try:
        command = "$ rollcheck plan draft runbook.md --name flags --out plan.toml\n"
        draft = subprocess.run([rollcheck, "plan", "draft", "runbook.md", "--name", "flags",
                                "--out", "plan.toml"], cwd=PLACE, capture_output=True, text=True)
        listing = "$ rollcheck-suite --plan plan.toml --list-tests\n"
        listed = subprocess.run([suite, "--plan", "plan.toml", "--list-tests"], cwd=PLACE,
                                capture_output=True, text=True)
        ok = all([
            same("runbook", shown(page, "markdown", "# Rolling back the feature-flag service"),
                 (example / "runbook.md").read_text(encoding="utf-8")),
            same("run of plan draft", shown(page, "text", command),
                 f"{command}{draft.stderr}$ echo $?\n{draft.returncode}\n"),
            same("draft", shown(page, "toml", "# Drafted by `rollcheck plan draft`"),
                 (PLACE / "plan.toml").read_text(encoding="utf-8")),
            same("listing", shown(page, "text", listing), listing + listed.stdout),
        ])
    finally:
        shutil.rmtree(PLACE, ignore_errors=True)
    print("docs/plans.md's draft is the real one" if ok else "")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
