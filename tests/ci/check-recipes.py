#!/usr/bin/env python3
"""The CI-gate recipes of examples/ci/ hold, and their shell lines run.

    check-recipes.py SOURCE_DIR BIN SANDBOX

SOURCE_DIR is the checkout, BIN the build's verifiers/ directory (rollcheck and
the phase suites), SANDBOX a rolled-back rehearsal sandbox (with its
target.toml, env.sh and rollback.since), or a file holding its path (the
sandbox fixture's state file).

For each recipe:
- GitHub Actions and GitLab CI: the file parses as YAML (python3-yaml) and
  has the shape that makes the gate work: the suite's step or job does not
  tolerate failure, reports are published whatever the outcome, the JUnit
  path is the --report directory's junit.xml, report.md is attached.
- Jenkinsfile: no Groovy parser ships with Debian outside Jenkins, so a
  structural check: braces, parentheses and quotes balance outside comments
  and strings; a declarative `pipeline` with `agent` and `stages`; a Verify
  stage whose sh step runs the suite and whose `post { always { ... } }`
  publishes junit.xml with `junit` and archives report.md; no `returnStatus`
  or `catchError` that would swallow the suite's exit status.
Then the recipe's own shell lines (the verify job's run: steps and script:,
the Verify stage's sh steps), taken from the file as written, run in a
scratch directory the way the platform runs them (GitHub: bash -eo pipefail;
GitLab: one bash with -eo pipefail for all lines; Jenkins: sh -xe per step),
with the recipe's own variables and only the deployment's changed: ROLLCHECK_BIN
is BIN, ROLLCHECK_TARGET the sandbox's target, the deploy's start time the
sandbox's rollback. Against the sandbox they must exit 0 and leave junit.xml,
report.md and results.json; against a target that does not exist they must
exit non-zero (the suite's 2) and still leave the reports for publishing.
"""
import os
import re
import subprocess
import sys
import tempfile

import yaml

source, bin_dir, sandbox = sys.argv[1:4]
bin_dir = os.path.abspath(bin_dir)
if os.path.isfile(sandbox):
    with open(sandbox) as f:
        sandbox = f.read().strip()
os.environ.pop("GITHUB_STEP_SUMMARY", None)
ci = os.path.join(source, "examples", "ci")
failures = []


def fail(recipe, what):
    failures.append(f"{recipe}: {what}")


def sandbox_env():
    env = dict(os.environ)
    with open(os.path.join(sandbox, "env.sh")) as f:
        for line in f:
            m = re.match(r"export (PG[A-Z]*)=(.*)$", line.strip())
            if m:
                env[m.group(1)] = m.group(2).strip("'\"")
    return env


with open(os.path.join(sandbox, "rollback.since")) as f:
    SINCE = f.read().strip()
TARGET = os.path.join(sandbox, "target.toml")
SUITE_CALL = '"$ROLLCHECK_BIN/$ROLLCHECK_SUITE" --target "$ROLLCHECK_TARGET"'


def run(recipe, runs, variables, target, expect_ok, setup=None):
    """Runs `runs` (a list of (argv-prefix, script) pairs) in a scratch
    directory with `variables` and the deployment's values; checks the
    outcome and the reports."""
    with tempfile.TemporaryDirectory(prefix="rollcheck-ci-") as work:
        env = sandbox_env()
        env.update({k: str(v) for k, v in variables.items()})
        env["ROLLCHECK_BIN"] = bin_dir
        env["ROLLCHECK_TARGET"] = target
        if setup:
            setup(work, env)
        status = 0
        output = ""
        for argv, script in runs:
            p = subprocess.run(argv + [script], cwd=work, env=env, capture_output=True, text=True,
                               timeout=120)
            output += p.stdout + p.stderr
            if p.returncode != 0:
                status = p.returncode
                break
        reports = os.path.join(work, env.get("ROLLCHECK_REPORTS", "reports"))
        missing = [name for name in ("junit.xml", "report.md", "results.json")
                   if not os.path.isfile(os.path.join(reports, name))]
        label = "against the sandbox" if expect_ok else "against a missing target"
        if expect_ok and status != 0:
            fail(recipe, f"{label}: exited {status}, expected 0:\n{output}")
        if not expect_ok and status == 0:
            fail(recipe, f"{label}: exited 0, expected the suite's failure to fail the job:\n{output}")
        if missing:
            fail(recipe, f"{label}: no {', '.join(missing)} in {reports} after the lines ran:\n{output}")
        print(f"{recipe} {label}: exit {status}; reports: {', '.join(sorted(os.listdir(reports))) if os.path.isdir(reports) else 'none'}")


def check_github():
    recipe = "github-actions.yml"
    with open(os.path.join(ci, recipe)) as f:
        doc = yaml.safe_load(f)
    job = doc["jobs"]["verify"]
    if "deploy" not in (job.get("needs") if isinstance(job.get("needs"), list) else [job.get("needs")]):
        fail(recipe, "the verify job does not wait for the deploy job (needs: deploy)")
    steps = job["steps"]
    gate = [s for s in steps if s.get("id") == "rollcheck"]
    if len(gate) != 1 or SUITE_CALL not in gate[0].get("run", ""):
        fail(recipe, f"no step with id rollcheck running {SUITE_CALL}")
        return
    if gate[0].get("continue-on-error"):
        fail(recipe, "the suite's step has continue-on-error: its exit status would not fail the job")
    after = steps[steps.index(gate[0]) + 1:]
    for s in after:
        if s.get("if") != "always()":
            fail(recipe, f"step '{s.get('name')}' after the suite lacks if: always(): it would not run when the gate fails")
    reports = job["env"]["ROLLCHECK_REPORTS"]
    junit = [s for s in after if "junit" in s.get("uses", "")]
    if not junit or junit[0]["with"]["report_paths"] != f"{reports}/junit.xml":
        fail(recipe, f"no JUnit publishing step reading {reports}/junit.xml")
    if not any("report.md" in s.get("run", "") and "GITHUB_STEP_SUMMARY" in s.get("run", "") for s in after):
        fail(recipe, "report.md is not attached to the run's summary")
    if not any(s.get("uses", "").startswith("actions/upload-artifact") and s["with"]["path"].rstrip("/") == reports for s in after):
        fail(recipe, f"the reports directory {reports} is not kept as an artifact")
    install = [s for s in steps if s.get("name") == "Install rollcheck"]
    if not install or not re.search(r"apt-get install -y \S*rollcheck_\S*\.deb", install[0]["run"]):
        fail(recipe, "no step installing the rollcheck package")
    # The lines the runner runs: the suite's step and the shell steps after it,
    # each as GitHub runs a bash step.
    shell = [s["run"] for s in [gate[0]] + after if "run" in s]
    env = dict(job["env"])
    env.pop("ROLLCHECK_SINCE")  # ${{ needs.deploy.outputs.started }}: the deploy's start

    def setup(work, env):
        env["ROLLCHECK_SINCE"] = SINCE
        env["GITHUB_STEP_SUMMARY"] = os.path.join(work, "step-summary.md")

    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]

    # The gate, then the always() steps, as the runner runs them: they run
    # after a failed gate too.
    def run_all(target, ok):
        with tempfile.TemporaryDirectory(prefix="rollcheck-ci-") as work:
            e = sandbox_env()
            e.update(env)
            e["ROLLCHECK_BIN"] = bin_dir
            e["ROLLCHECK_TARGET"] = target
            setup(work, e)
            statuses = [subprocess.run(argv + [s], cwd=work, env=e, capture_output=True, text=True,
                                       timeout=120) for s in shell]
            gate_status = statuses[0].returncode
            if (gate_status == 0) != ok:
                fail(recipe, f"the gate step exited {gate_status} against {target}:\n{statuses[0].stdout}{statuses[0].stderr}")
            for p in statuses[1:]:
                if p.returncode != 0:
                    fail(recipe, f"an always() step failed: {p.stderr}")
            reports = os.path.join(work, e["ROLLCHECK_REPORTS"])
            for name in ("junit.xml", "report.md", "results.json"):
                if not os.path.isfile(os.path.join(reports, name)):
                    fail(recipe, f"no {name} in {reports} after the gate ran against {target}")
            with open(e["GITHUB_STEP_SUMMARY"]) as f:
                if not f.read().startswith("#"):
                    fail(recipe, "the step summary holds no report.md")
            print(f"{recipe} against {'the sandbox' if ok else 'a missing target'}: gate exit {gate_status}, "
                  f"{len(shell) - 1} always() step(s) ran, the summary holds report.md")
    run_all(TARGET, True)
    run_all(os.path.join(sandbox, "no-such-target.toml"), False)


def check_gitlab():
    recipe = "gitlab-ci.yml"
    with open(os.path.join(ci, recipe)) as f:
        doc = yaml.safe_load(f)
    job = doc["verify"]
    if job.get("allow_failure"):
        fail(recipe, "allow_failure would let a failed gate through")
    if "deploy" not in job.get("needs", []):
        fail(recipe, "the verify job does not wait for the deploy job (needs: [deploy])")
    reports = job["variables"]["ROLLCHECK_REPORTS"]
    artifacts = job.get("artifacts", {})
    if artifacts.get("when") != "always":
        fail(recipe, "artifacts are not kept when the gate fails (when: always)")
    if artifacts.get("reports", {}).get("junit") != f"{reports}/junit.xml":
        fail(recipe, f"artifacts:reports:junit is not {reports}/junit.xml")
    if f"{reports}/report.md" not in artifacts.get("paths", []) or not artifacts.get("expose_as"):
        fail(recipe, f"{reports}/report.md is not an exposed artifact")
    if not any(re.search(r"apt-get install -y \S*rollcheck_\S*\.deb", line) for line in job.get("before_script", [])):
        fail(recipe, "before_script does not install the rollcheck package")
    script = job["script"]
    if not any(SUITE_CALL in line for line in script):
        fail(recipe, f"no script line runs {SUITE_CALL}")

    def setup(work, env):
        # The deploy job's artifact.
        with open(os.path.join(work, "deploy.started"), "w") as f:
            f.write(SINCE + "\n")

    # GitLab's shell runner: one shell for the job's lines, stopping at the first that fails.
    argv = ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"]
    lines = "\n".join(script)
    run(recipe, [(argv, lines)], job["variables"], TARGET, True, setup)
    run(recipe, [(argv, lines)], job["variables"], os.path.join(sandbox, "no-such-target.toml"), False, setup)


def groovy_strip(text):
    """The Jenkinsfile without comments, each string replaced by a marker;
    the strings apart. Fails on an unterminated string or comment."""
    out, strings, i = [], [], 0
    while i < len(text):
        if text.startswith("//", i):
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
        elif text.startswith("/*", i):
            end = text.find("*/", i + 2)
            if end < 0:
                raise ValueError("unterminated /* comment")
            i = end + 2
        elif text.startswith("'''", i) or text.startswith('"""', i):
            q = text[i:i + 3]
            end = text.find(q, i + 3)
            if end < 0:
                raise ValueError(f"unterminated {q} string")
            strings.append(text[i + 3:end])
            out.append(f"\x00{len(strings) - 1}\x00")
            i = end + 3
        elif text[i] in "'\"":
            q, j = text[i], i + 1
            while j < len(text) and text[j] != q:
                if text[j] == "\n":
                    raise ValueError(f"string opened at offset {i} runs past the end of its line")
                j += 2 if text[j] == "\\" else 1
            strings.append(text[i + 1:j])
            out.append(f"\x00{len(strings) - 1}\x00")
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out), strings


def block(code, head):
    """The text inside the braces that follow the first match of `head`."""
    m = re.search(head, code)
    if not m:
        return None
    start = code.index("{", m.end() - 1 if code[m.end() - 1] == "{" else m.end())
    depth = 0
    for j in range(start, len(code)):
        depth += {"{": 1, "}": -1}.get(code[j], 0)
        if depth == 0:
            return code[start + 1:j]
    return None


def check_jenkins():
    recipe = "Jenkinsfile"
    with open(os.path.join(ci, recipe)) as f:
        text = f.read()
    try:
        code, strings = groovy_strip(text)
    except ValueError as e:
        fail(recipe, str(e))
        return
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack = []
    for ch in code:
        if ch in pairs:
            stack.append(ch)
        elif ch in pairs.values():
            if not stack or pairs[stack.pop()] != ch:
                fail(recipe, f"unbalanced '{ch}'")
                return
    if stack:
        fail(recipe, f"unclosed '{stack[-1]}'")
        return
    string = lambda m: strings[int(m)]
    pipeline = block(code, r"^\s*pipeline\s*\{")
    if pipeline is None or not re.search(r"\bagent\b", pipeline) or block(pipeline, r"\bstages\s*\{") is None:
        fail(recipe, "no declarative pipeline { agent … stages { … } }")
        return
    env = {}
    environment = block(pipeline, r"\benvironment\s*\{") or ""
    for name, ref in re.findall(r"(\w+)\s*=\s*\x00(\d+)\x00", environment):
        env[name] = string(ref)
    verify = None
    for m in re.finditer(r"\bstage\s*\(\s*\x00(\d+)\x00\s*\)\s*\{", pipeline):
        if string(m.group(1)) == "Verify":
            verify = block(pipeline[m.start():], r"\bstage\s*\(\s*\x00\d+\x00\s*\)\s*\{")
    if verify is None:
        fail(recipe, "no stage('Verify')")
        return
    steps = block(verify, r"\bsteps\s*\{") or ""
    sh = [string(ref) for ref in re.findall(r"\bsh\s+\x00(\d+)\x00", steps)]
    if not any(SUITE_CALL in line for line in sh):
        fail(recipe, f"the Verify stage's sh steps do not run {SUITE_CALL}")
    if re.search(r"returnStatus|catchError|warnError|\|\|\s*true", text):
        fail(recipe, "returnStatus, catchError, warnError or '|| true' would swallow the suite's exit status")
    always = block(block(verify, r"\bpost\s*\{") or "", r"\balways\s*\{")
    reports = env.get("ROLLCHECK_REPORTS", "reports")
    published = [string(ref) for ref in re.findall(r"\bjunit\s+testResults\s*:\s*\x00(\d+)\x00", always or "")]
    archived = [string(ref) for ref in re.findall(r"\barchiveArtifacts\s+artifacts\s*:\s*\x00(\d+)\x00", always or "")]
    if published != [f"{reports}/junit.xml"]:
        fail(recipe, f"post {{ always {{ junit testResults: '{reports}/junit.xml' }} }} missing")
    if not any(f"{reports}/report.md" in a for a in archived):
        fail(recipe, f"post {{ always {{ archiveArtifacts … {reports}/report.md }} }} missing")

    def setup(work, env):
        with open(os.path.join(work, "deploy.started"), "w") as f:
            f.write(SINCE + "\n")

    # Jenkins runs each sh step with /bin/sh -xe.
    runs = [(["sh", "-xe", "-c"], line) for line in sh]
    run(recipe, runs, env, TARGET, True, setup)
    run(recipe, runs, env, os.path.join(sandbox, "no-such-target.toml"), False, setup)


for check in (check_github, check_gitlab, check_jenkins):
    try:
        check()
    except (KeyError, TypeError, IndexError, yaml.YAMLError) as e:
        fail(check.__name__, f"not the expected shape: {type(e).__name__}: {e}")

if failures:
    print("\n".join("FAILED " + f for f in failures), file=sys.stderr)
    sys.exit(1)
print("ok: every recipe has the gate's shape, and its lines pass on the sandbox and fail on a missing target")
