#!/usr/bin/env python3
"""Every command the README, docs/ and examples/plans/README.md show still
exists as shown: each `rollcheck` subcommand answers `--help`, each option a
shown command uses is in that help, and the same for the suite (`rollcheck-suite` and the programs
the default plan names: `verify-phase7`, `verify-rollback`, …) and the
scripts. A command is a line of a fenced block that starts with `$ ` (or any
line of an `sh` block) and runs one of them.

    check-commands.py SOURCE_DIR ROLLCHECK VERIFIERS_DIR
"""
import pathlib
import re
import shlex
import subprocess
import sys

FENCE = re.compile(r"^(`{3,}|~{3,})\s*(\S*)")
STOP = {"|", "||", "&&", ";", "&", ">", ">>", "<", "2>", "2>&1"}


def shown_commands(page):
    """(line number, command text) of each command shown in `page`."""
    fence, language, pending, start = None, "", "", 0
    for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
        found = FENCE.match(line)
        if found and fence is None:
            fence, language = found.group(1), found.group(2)
            continue
        if found and line.strip() == fence:
            fence = None
            continue
        if fence is None:
            continue
        if pending:
            pending += " " + line.strip()
        elif line.startswith("$ "):
            pending, start = line[2:].strip(), number
        elif language == "sh" and line.strip() and not line.startswith("#"):
            pending, start = line.strip(), number
        else:
            continue
        if pending.endswith("\\"):
            pending = pending[:-1]
            continue
        yield start, pending
        pending = ""


def words(text):
    lexer = shlex.shlex(text.split("…")[0], posix=True, punctuation_chars="|&;<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    out = []
    try:
        for token in lexer:
            if token in STOP or re.fullmatch(r"[0-9]?[<>|&;]+.*", token):
                break
            out.append(token)
    except ValueError:
        pass
    return out


def help_of(argv):
    run = subprocess.run(argv + ["--help"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL)
    return run.returncode, run.stdout + run.stderr


class Checker:
    def __init__(self, source, rollcheck, verifiers):
        self.source, self.rollcheck, self.verifiers = source, rollcheck, verifiers
        self.helps = {}
        self.problems = []
        self.checked = 0
        self.programs = None

    def help(self, argv):
        key = tuple(argv)
        if key not in self.helps:
            self.helps[key] = help_of(list(argv))
        return self.helps[key]

    def suite_programs(self):
        """The links to rollcheck-suite the default plan names (verify-phase7, …)."""
        if self.programs is None:
            suite = pathlib.Path(self.verifiers) / "rollcheck-suite"
            run = subprocess.run([str(suite), "--list-programs"], capture_output=True, text=True,
                                 timeout=30, stdin=subprocess.DEVNULL)
            if run.returncode != 0:
                self.problems.append(f"rollcheck-suite --list-programs exits {run.returncode}: "
                                     f"{run.stderr.strip()}")
            self.programs = set(run.stdout.split())
        return self.programs

    def program(self, name):
        """The argv a shown program name stands for, or None when not ours."""
        base = name.rsplit("/", 1)[-1]
        if base == "rollcheck":
            return [self.rollcheck]
        if base == "rollcheck-suite" or base in self.suite_programs():
            return [str(pathlib.Path(self.verifiers) / base)]
        if name.startswith("scripts/"):
            return [str(self.source / name)]
        return None

    def check(self, where, command):
        argv_words = words(command)
        while argv_words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", argv_words[0]):
            argv_words = argv_words[1:]  # an environment assignment before the program
        if argv_words and argv_words[0] in (".", "source", "time", "cd", "export"):
            return
        if not argv_words or self.program(argv_words[0]) is None:
            return
        argv, rest = self.program(argv_words[0]), argv_words[1:]
        if not pathlib.Path(argv[0]).exists():
            self.problems.append(f"{where}: {argv_words[0]}: no such program")
            return
        code, text = self.help(argv)
        if code != 0:
            self.problems.append(f"{where}: {' '.join(argv_words[:1])} --help exits {code}")
            return
        # Subcommands: words whose --help differs from their parent's.
        while rest and not rest[0].startswith("-") and argv[0] == self.rollcheck:
            code, sub = self.help(argv + [rest[0]])
            if code != 0 or sub == text:
                break
            argv, text, rest = argv + [rest[0]], sub, rest[1:]
        self.checked += 1
        for token in rest:
            if token == "--":
                break
            if not re.match(r"--?[A-Za-z]", token):
                continue
            option = token.split("=", 1)[0]
            if not re.search(r"(?<![\w-])" + re.escape(option) + r"(?![\w-])", text):
                shown = " ".join(pathlib.Path(a).name if i == 0 else a for i, a in enumerate(argv))
                self.problems.append(f"{where}: {shown}: no option {option} in its --help")


def main(source, rollcheck, verifiers):
    root = pathlib.Path(source).resolve()
    checker = Checker(root, rollcheck, verifiers)
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md")),
             root / "examples/plans/README.md"]
    for page in pages:
        for number, command in shown_commands(page):
            checker.check(f"{page.relative_to(root)}:{number}", command)
    for problem in checker.problems:
        print(problem)
    print(f"{checker.checked} commands checked, {len(checker.problems)} problems")
    return 1 if checker.problems or checker.checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
