#!/usr/bin/env python3
"""Every relative link of the README, docs/ and examples/plans/README.md
resolves: the file exists and, when the link names an anchor, the page has a
heading with that anchor (as GitHub makes them: lower case, punctuation
dropped, spaces as dashes).

    check-links.py SOURCE_DIR
"""
import pathlib
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(`{3,}|~{3,})")


def prose(path):
    """The lines of a Markdown file outside fenced code, numbered from 1."""
    fence = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        found = FENCE.match(line)
        if found and fence is None:
            fence = found.group(1)
        elif found and line.strip() == fence:
            fence = None
        elif fence is None:
            yield number, line


def anchors(path):
    slugs = set()
    for _, line in prose(path):
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            title = re.sub(r"[^\w\- ]", "", title)
            slugs.add(title.replace(" ", "-"))
    return slugs


def main(source):
    root = pathlib.Path(source).resolve()
    pages = [root / "README.md", root / "BENCHMARKS.md", *sorted((root / "docs").glob("*.md")),
             root / "examples/plans/README.md"]
    problems = []
    for page in pages:
        for number, line in prose(page):
            for target in LINK.findall(line):
                if re.match(r"[a-z]+:", target):
                    continue
                file_part, _, anchor = target.partition("#")
                linked = (page.parent / file_part).resolve() if file_part else page
                where = f"{page.relative_to(root)}:{number}: {target}"
                if not linked.exists():
                    problems.append(f"{where}: no such file")
                elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                    problems.append(f"{where}: no heading with that anchor in {linked.name}")
    for problem in problems:
        print(problem)
    print(f"{len(pages)} pages read, {len(problems)} broken links")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
