#!/usr/bin/env python3
"""Every list of the report files that the scripts and the docs write out is
rollcheck::report_files (include/rollcheck/report.hpp), names and order: a
report file added, renamed or moved in the list shows here. Two forms are
lists: a brace list, `dir/{junit.xml,results.json,...}`, and the suites'
line `reports: dir/junit.xml, dir/results.json, ...`. A listing of a
directory (names without a directory, as tests/ci/check-recipes.py prints
what a CI recipe kept) is not a list of what a suite writes.

    check-report-files.py SOURCE_DIR REPORT_FILES_LIST
"""
import pathlib
import re
import subprocess
import sys

BRACES = re.compile(r"\{([\w.-]+(?:,[\w.-]+)+)\}")
REPORTS_LINE = re.compile(r"reports: ([^{}\"]*\bjunit\.xml\b[^{}\"]*)")


def lists_in(line):
    """The report-file lists of one line, each a list of names."""
    for match in BRACES.finditer(line):
        names = match.group(1).split(",")
        if "junit.xml" in names:
            yield names
    for match in REPORTS_LINE.finditer(line):
        paths = [p.strip() for p in match.group(1).rstrip().split(", ")]
        if all("/" in p for p in paths):
            yield [p.rsplit("/", 1)[1] for p in paths]


def sources(root):
    yield from sorted(p for p in (root / "scripts").rglob("*") if p.is_file())
    yield root / "README.md"
    yield from sorted((root / "docs").glob("*.md"))
    yield from sorted((root / "examples").rglob("*.md"))


def main():
    root = pathlib.Path(sys.argv[1])
    expected = subprocess.run([sys.argv[2]], check=True, capture_output=True,
                              text=True).stdout.split()
    faults = []
    seen = 0
    for path in sources(root):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        for number, line in enumerate(text.splitlines(), 1):
            for names in lists_in(line):
                seen += 1
                if names != expected:
                    faults.append(f"{path.relative_to(root)}:{number}: lists {', '.join(names)}; "
                                  f"rollcheck::report_files is {', '.join(expected)}")
    for fault in faults:
        print(fault)
    if not seen:
        print("no list of the report files found: has their form changed?")
        return 1
    print(f"{seen} lists of the report files, {len(faults)} differing from rollcheck::report_files")
    return 1 if faults else 0


if __name__ == "__main__":
    sys.exit(main())
