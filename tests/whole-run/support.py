"""What the whole-run tests share: the rehearsal's sandbox (scripts/lib/sandbox.sh)
rolled back and ready for the suites, throwaway PostgreSQL clusters
(scripts/lib/pg-fixture), running programs and checking."""
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "scripts" / "lib" / "pg-fixture"
PLAN = ROOT / "plans" / "reddit_harbor.toml"
# The shipped plan's phases, in order, each as (id, the program that runs it).
with open(PLAN, "rb") as plan_file:
    PHASES = [(phase["id"], phase["program"]) for phase in tomllib.load(plan_file)["phase"]]

failures = []


def check(condition, what):
    """Records `what` as a failure unless `condition`; prints either way."""
    print(("ok    " if condition else "FAIL  ") + what, flush=True)
    if not condition:
        failures.append(what)
    return condition


def finish():
    if failures:
        print(f"\n{len(failures)} failed:")
        for f in failures:
            print("  " + f)
        return 1
    print("\nall passed")
    return 0


def bash(script, *args, env=None, check_rc=True):
    run = subprocess.run(["bash", "-c", script, "bash", *map(str, args)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check_rc and run.returncode != 0:
        sys.exit(f"bash exited {run.returncode}: {script}\n{run.stdout}")
    return run.stdout


def read_env(path):
    return dict(line.split("=", 1) for line in pathlib.Path(path).read_text().split("\n")
                if "=" in line)


class Cluster:
    """A throwaway PostgreSQL cluster of pg-fixture's, in STATE."""

    def __init__(self, state):
        self.state = pathlib.Path(state)
        bash(f'"{FIXTURE}" start "$1"', self.state)
        self.env = read_env(self.state / "pg.env")
        self.data = pathlib.Path((self.state / "cluster").read_text().strip()) / "data"

    def environ(self, **more):
        return {**os.environ, **self.env, **more}

    def psql(self, sql, db="postgres", at=True):
        run = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db]
                             + (["-At"] if at else []) + ["-c", sql], env=self.environ(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"psql: {sql}: {run.stderr}")
        return run.stdout.strip()

    def pg_ctl(self, *args):
        owner = [] if os.getuid() != 0 else ["runuser", "-u", "postgres", "--"]
        bash('"$@" >/dev/null', *owner, "/usr/lib/postgresql/15/bin/pg_ctl", "-D", self.data,
             *args)

    def stop(self):
        self.pg_ctl("-m", "fast", "-w", "-t", "30", "stop")

    def start(self):
        # restart on a stopped server starts it with the options of its last
        # start (postmaster.opts): the same port and socket.
        self.pg_ctl("-l", self.data.parent / "server.log", "-w", "-t", "30", "restart")

    def remove(self):
        bash(f'"{FIXTURE}" stop "$1"', self.state, check_rc=False)


class Sandbox:
    """The rehearsal's sandbox, created, rolled back with the plan's commands,
    its target file written: what `scripts/rehearse` verifies."""

    def __init__(self, rollcheck):
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="rollcheck-whole-run.")).resolve()
        self.target = self.dir / "target.toml"
        started = time.monotonic()
        bash('set -e; source "$2/scripts/lib/sandbox.sh"; sandbox_create "$1" "$3" '
             '>/dev/null; sandbox_roll_back "$1" >/dev/null; sandbox_write_target "$1"',
             self.dir, ROOT, rollcheck)
        self.env = read_env(self.dir / "pg" / "pg.env")
        print(f"sandbox {self.dir} ready in {time.monotonic() - started:.1f} s", flush=True)

    def environ(self, **more):
        """The operator's shell: the sandbox's server in PG*."""
        return {**os.environ, **self.env, **more}

    def psql(self, sql, db="reddit_harbor"):
        run = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-d", db, "-c",
                              sql], env=self.environ(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        if run.returncode != 0:
            sys.exit(f"psql: {sql}: {run.stderr}")
        return run.stdout.strip()

    def destroy(self):
        bash('source "$2/scripts/lib/sandbox.sh"; sandbox_destroy "$1"', self.dir, ROOT,
             check_rc=False)
        shutil.rmtree(self.dir, ignore_errors=True)


def run(argv, env=None, timeout=120, cwd=None):
    """Runs argv in a session of its own; returns (status, stdout+stderr, seconds)."""
    started = time.monotonic()
    proc = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=timeout, start_new_session=True)
    return proc.returncode, proc.stdout.decode("utf-8", "replace"), time.monotonic() - started


def prove_on_one_sandbox(*proofs):
    """Builds one sandbox, runs each `proof(bin_dir, sandbox)` on it in turn
    (sys.argv[1]: the directory of rollcheck's programs), removes it, and
    returns the exit status."""
    bin_dir = pathlib.Path(sys.argv[1])
    sandbox = Sandbox(bin_dir / "rollcheck")
    try:
        for proof in proofs:
            proof(bin_dir, sandbox)
    finally:
        sandbox.destroy()
    return finish()

