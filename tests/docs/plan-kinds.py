#!/usr/bin/env python3
"""The check kinds of docs/plans.md are those of the command line: the
section between its `kinds:` markers is made from each subcommand's real
`--help`, so that an option added, renamed or removed shows there. Without
--write, exits 1 when the page differs from what the help gives, and prints
the difference; with --write, rewrites the section.

    plan-kinds.py SOURCE_DIR ROLLCHECK [--write]
"""
import difflib
import pathlib
import re
import subprocess
import sys

BEGIN = "<!-- kinds: made by tests/docs/plan-kinds.py from each kind's --help; do not edit -->"
END = "<!-- end of kinds -->"
# Options every check has that change only what the command line prints: a
# plan's check hands its whole result to the suite's reports.
PRINTING = {"--help", "--json", "--show"}
# Subcommands that print, record or write rather than check.
NOT_CHECKS = {("cron", "next"), ("cron", "snapshot"), ("report",), ("plan",)}
VALIDATORS = {
    "DURATION": "a duration (`90s`, `5m`, `1h`)",
    "TIME": "a time (ISO 8601, or a duration ago)",
    "NAME=VALUE": "`NAME=VALUE`",
    "NONNEGATIVE": "an integer, 0 or more",
}
BASES = {"TEXT": "a string", "INT": "an integer", "UINT": "an integer, 0 or more"}
TYPE = re.compile(r"^(TEXT|INT|UINT)(?::(NAME=VALUE|DURATION|TIME|NONNEGATIVE|\{[^}]*\}"
                  r"|U?INT in \[[^\]]*\]))?(?:=(.*))?$")


def help_text(rollcheck, words):
    run = subprocess.run([rollcheck, *words, "--help"], capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL)
    if run.returncode != 0:
        raise SystemExit(f"rollcheck {' '.join(words)} --help exits {run.returncode}")
    return run.stdout


def section(text, title):
    """The entries of the help's section `title` as (spec, description)."""
    lines = text.splitlines()
    try:
        start = lines.index(title + ":") + 1
    except ValueError:
        return []
    entries = []
    body = lines[start:]
    for i, line in enumerate(body):
        if not line.strip():
            break
        if line.startswith(" " * 30) and entries:
            spec, description = entries[-1]
            entries[-1] = (spec, (description + " " + line.strip()).strip())
        elif i + 1 < len(body) and body[i + 1].startswith(" " * 30):
            # A spec too wide for its column has its description on the next line.
            entries.append((line.strip(), ""))
        else:
            entries.append((line[:30].strip(), line[30:].strip()))
    return entries


def kinds(rollcheck):
    """(words, one-line summary, help) of each check subcommand, in --help's order."""
    found = []
    for group, _ in section(help_text(rollcheck, []), "Subcommands"):
        group_help = help_text(rollcheck, [group])
        leaves = section(group_help, "Subcommands")
        if not leaves and (group,) not in NOT_CHECKS:
            found.append(([group], group_help.splitlines()[0], group_help))
        for leaf, summary in leaves:
            if (group, leaf) not in NOT_CHECKS and (group,) not in NOT_CHECKS:
                found.append(([group, leaf], summary, help_text(rollcheck, [group, leaf])))
    return found


def escape(text):
    """`text` as Markdown table text: code spans kept, the rest escaped."""
    out = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", text)):
        if i % 2 == 0:
            part = re.sub(r"([\\*\[\]<>_])", r"\\\1", part)
        out.append(part.replace("|", "\\|"))
    return "".join(out)


def takes(spec_rest):
    """What an option's value is, in words, from its help's spec."""
    words = []
    rest = spec_rest
    needs = re.search(r"Needs: ((?:--[\w-]+ ?)+)", rest)
    excludes = re.search(r"Excludes: ((?:--[\w-]+ ?)+)", rest)
    for found in (needs, excludes):
        if found:
            rest = rest.replace(found.group(0), "")
    required = " REQUIRED" in f" {rest} "
    rest = re.sub(r"\bREQUIRED\b", "", rest)
    is_list = "..." in rest
    rest = rest.replace("...", "").strip()
    if not rest:
        words.append("`true`: a flag")
    else:
        typed = TYPE.match(rest)
        if typed is None:
            words.append(f"`{rest}`")
        else:
            base, validator, default = typed.groups()
            if validator is None:
                what = BASES[base]
            elif validator.startswith("{"):
                choices = [f"`{c}`" for c in validator[1:-1].split(",")]
                what = ", ".join(choices[:-1]) + " or " + choices[-1]
            elif " in [" in validator:
                low, high = re.findall(r"\d+", validator)
                what = f"an integer, {low} to {high}"
            else:
                what = VALIDATORS[validator]
            if is_list:
                what += ", or a list of them"
            words.append(what)
            if default:
                words.append(f"default `{default}`")
    if required:
        words.append("**required**")
    for found, label in ((needs, "needs"), (excludes, "not with")):
        if found:
            names = [f"`{n[2:]}`" for n in found.group(1).split()]
            words.append(f"{label} {' and '.join(names)}")
    return "; ".join(words)


def kind_table(words, summary, text):
    kind = ".".join(words)
    positionals = {spec.split()[0] for spec, _ in section(text, "Positionals")}
    rows = []
    for spec, description in section(text, "Options"):
        names, _, rest = spec.partition(" ")
        long_names = [n for n in names.split(",") if n.startswith("--")]
        if not long_names or long_names[0] in PRINTING:
            continue
        keys = " or ".join(f"`{n[2:]}`" for n in long_names)
        value = takes(rest)
        if long_names[0][2:] in positionals:
            value += "; positional on the command line"
        rows.append(f"| {keys} | {value} | {escape(description)} |")
    lines = [f"### `{kind}`", "", f"`rollcheck {' '.join(words)}`: {escape(summary)}.", ""]
    if rows:
        lines += ["| key | value | meaning |", "|---|---|---|", *rows]
    else:
        lines.append("No option.")
    return lines + [""]


def generated(rollcheck):
    found = kinds(rollcheck)
    lines = [BEGIN, "", "| kind | checks |", "|---|---|"]
    for words, summary, _ in found:
        kind = ".".join(words)
        lines.append(f"| [`{kind}`](#{kind.replace('.', '')}) | {escape(summary)} |")
    lines.append("")
    for words, summary, text in found:
        lines += kind_table(words, summary, text)
    return lines + [END]


def main(source, rollcheck, write=False):
    page = pathlib.Path(source).resolve() / "docs" / "plans.md"
    old = page.read_text(encoding="utf-8").splitlines()
    if BEGIN not in old or END not in old:
        print(f"{page}: no lines {BEGIN!r} and {END!r} to put the kinds between")
        return 1
    start, end = old.index(BEGIN), old.index(END)
    new = old[:start] + generated(rollcheck) + old[end + 1:]
    if new == old:
        print(f"{page.name}: the kinds are those of rollcheck's --help")
        return 0
    if write:
        page.write_text("\n".join(new) + "\n", encoding="utf-8")
        print(f"{page.name}: kinds rewritten from rollcheck's --help")
        return 0
    sys.stdout.writelines(difflib.unified_diff([l + "\n" for l in old], [l + "\n" for l in new],
                                               "docs/plans.md", "from --help"))
    print(f"{page.name}: the kinds differ from rollcheck's --help: "
          "run tests/docs/plan-kinds.py SOURCE_DIR ROLLCHECK --write")
    return 1


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2], "--write" in sys.argv[3:]))
