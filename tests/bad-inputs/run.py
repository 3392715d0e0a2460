#!/usr/bin/env python3
"""The bad-input corpus (cases.tsv) run through rollcheck's faces.

    run.py --rollcheck PATH --bin DIR [--pg-env FILE] [--group GROUP]
           [--memory-limit-mib N] [--markdown]

For each case of GROUP (every group without one): makes its input in a
temporary directory, runs its command in a session of its own and asserts
that it exits 1 or 2 (never 0, never by a signal), that its output names the
input, that it ends within the case's deadline plus 1 s (--slack-seconds), that its peak
resident memory (wait4's ru_maxrss: the process and the children it waited
for) stays under the limit, and that no process of its session outlives it.
Exits 1 when a case breaks one of these. --markdown prints the results as a
Markdown table (docs/guarantees.md holds one).
"""
import argparse
import os
import pathlib
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
MIB = 1 << 20


# --- inputs -------------------------------------------------------------------------

def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


def binary_bytes(n=8192):
    # Deterministic bytes of every value, NULs among them (an ELF, a core file).
    return bytes((i * 131 + (i >> 8) * 7) % 256 for i in range(n))


def fill(path, size, line):
    """A file of `size` bytes made of `line` repeated, written in big blocks."""
    block = line * (4 * MIB // len(line))
    with open(path, "wb") as f:
        left = size
        while left > 0:
            f.write(block[:left])
            left -= len(block)
    return path


def long_line(path):
    """One line of 100 MB, stamped, with an error at its very end."""
    fill(path, 100 * MIB, b"a" * 4096)
    with open(path, "r+b") as f:
        f.write(b"2026-11-30 10:00:00,000 INFO job: ")
        f.seek(0, 2)
        f.write(b" ERROR at the end\n")
    return path


def project(d):
    write(d / "proj" / "core" / "__init__.py", "")
    return d / "proj"


def target(d, body):
    root = project(d)
    return write(d / "target.toml", f'[project]\nroot = "{root}"\npython = "/usr/bin/python3"\n'
                 + body)


def sparse(path, head, size):
    """`head`, then NUL bytes up to `size`: no disk, but `size` to read."""
    with open(path, "wb") as f:
        f.write(head)
        f.truncate(size)
    return path


def crontab_1gb(d):
    return sparse(d / "huge.crontab", b"0 2 * * * /bin/true\n", 1 << 30)


def gz_valid(lines):
    import gzip
    return gzip.compress("".join(lines).encode(), mtime=0)


def gz_corrupt(d, name="app.log.gz"):
    data = bytearray(gz_valid([f"2026-11-30 10:00:{i:02d},000 INFO x: line {i}\n"
                               for i in range(50)]))
    data[len(data) - 8:len(data) - 4] = b"\xde\xad\xbe\xef"  # the CRC
    data[20:24] = b"\xff\xff\xff\xff"
    return write(d / name, bytes(data))


def py_hanging_module(d):
    write(d / "py" / "hangs_at_import.py", "import time\nwhile True:\n    time.sleep(1)\n")
    return d / "py"


SETUPS = {
    "none": lambda d, ctx: d / "none",
    "crontab_malformed": lambda d, ctx: write(
        d / "bad.crontab", "0 2 * * * /bin/true\n61 * * * /bin/false\nnot a cron line\n"),
    "crontab_binary": lambda d, ctx: write(d / "binary.crontab", binary_bytes()),
    "crontab_nul": lambda d, ctx: write(
        d / "nul.crontab", b"0 2 * * * /bin/true\n0 3 * * *\0 /bin/true\n"),
    "crontab_1gb": lambda d, ctx: crontab_1gb(d),
    "runbook_binary": lambda d, ctx: write(d / "binary.md", b"# Rollback\n" + binary_bytes()),
    "runbook_50mb": lambda d, ctx: sparse(d / "huge.md", b"# Rollback\n", 50 * MIB),
    "runbook_no_step": lambda d, ctx: write(
        d / "prose.md", "# Rollback\n\n1. **Assess**: how bad is it?\n2. **Decide**\n"),
    "runbook_bad_sql": lambda d, ctx: write(
        d / "bad-sql.md", "## Database\n\n```sql\nSELEC id, count(*) FROM t GROUP BY id;\n```\n"),
    "runbook_deep": lambda d, ctx: write(d / "deep.md", ">" * 200000 + " ```sh\nrm -rf x\n"),
    "crontab_zone_directory": lambda d, ctx: write(
        d / "zone.crontab", "CRON_TZ=Europe/\n0 2 * * * /bin/true\n"),
    "crontab_unreadable": lambda d, ctx: unreadable(write(d / "locked.crontab",
                                                          "0 2 * * * /bin/true\n")),
    "empty_directory": lambda d, ctx: mkdir(d / "a-directory"),
    "target_malformed": lambda d, ctx: write(d / "target.toml",
                                             "[database]\ntabel = 'typo'\n[cron\n"),
    "target_100mb": lambda d, ctx: fill(d / "target.toml", 100 * MIB, b"# a comment\n"),
    "log_binary": lambda d, ctx: write(d / "core.bin", binary_bytes(64 * 1024)),
    "log_binary_progress": lambda d, ctx: write(
        d / "core.bin", binary_bytes() + b"\nprocessed 10 submissions\n" + binary_bytes()),
    "log_truncated": lambda d, ctx: write(d / "cut.log", b"2026-11-3"),
    "log_no_time": lambda d, ctx: write(d / "plain.log", "started\nworking\nprocessed 3\n"),
    "log_long_line": lambda d, ctx: long_line(d / "long.log"),
    "json_truncated": lambda d, ctx: write(
        d / "cut-json.log", '{"log":"INFO ok\\n","time":"2026-11-30T10:00:00Z"}\n'
                            '{"log":"ERROR enrichment fai'),
    "json_untimed": lambda d, ctx: write(d / "untimed.jsonl", '{"msg": "ERROR a"}\n' * 3),
    "json_10mb_record": lambda d, ctx: write(
        d / "big-json.log", '{"log":"' + "x" * (10 * MIB) + ' ERROR at the end\\n",'
                            '"time":"2026-11-30T10:00:00Z"}\n'),
    "json_invalid_utf8": lambda d, ctx: write(
        d / "latin1-json.log", b'{"log":"ERROR caf\xe9 \xff\\n","time":"2026-11-30T10:00:00Z"}\n'),
    "journal_corrupt": lambda d, ctx: write(d / "broken.journal",
                                            b"LPKSHHRH" + binary_bytes(64 * 1024)),
    "gz_corrupt": lambda d, ctx: gz_corrupt(d),
    "gz_truncated": lambda d, ctx: write(
        d / "cut.log.gz", gz_valid([f"2026-11-30 10:00:00,000 INFO line {i}\n"
                                    for i in range(500)])[:60]),
    "gz_rotated_corrupt": lambda d, ctx: rotated_corrupt(d),
    "log_unreadable": lambda d, ctx: unreadable(write(d / "locked.log",
                                                      "2026-11-30 10:00:00 INFO ok\n")),
    "sql_table": lambda d, ctx: ctx.sql_table(),
    "sql_sleepy_view": lambda d, ctx: ctx.sql_sleepy_view(),
    "py_hanging_module": lambda d, ctx: py_hanging_module(d),
    "suite_binary_log": lambda d, ctx: suite_logs(d, write(d / "proj" / "logs" / "job.log",
                                                           binary_bytes(64 * 1024))),
    "suite_binary_crontab": lambda d, ctx: suite_crontab(d, write(d / "binary.crontab",
                                                                  binary_bytes())),
    "suite_1gb_crontab": lambda d, ctx: suite_crontab(d, crontab_1gb(d)),
    "suite_corrupt_gz": lambda d, ctx: suite_rotated(d),
    "suite_directory_log": lambda d, ctx: suite_logs(d, mkdir(d / "proj" / "logs" / "job.log")),
    "suite_unreachable_db": lambda d, ctx: target(
        d, f'[database]\ndsn = "host=127.0.0.1 port={ctx.closed_port} dbname=x user=x"\n'),
    "suite_silent_db": lambda d, ctx: target(
        d, f'[database]\ndsn = "host=127.0.0.1 port={ctx.silent_port} dbname=x user=x"\n'),
    "suite_hanging_module": lambda d, ctx: suite_check(
        d, 'name = "the hanging module"\nkind = "py.imports"\npython = "/usr/bin/python3"\n'
           f'cwd = "{py_hanging_module(d)}"\nmodule = ["hangs_at_import"]\n'
           'module-timeout = "2s"\ntimeout = "10s"\n'),
    "suite_hanging_command": lambda d, ctx: suite_check(
        d, 'name = "the hanging command"\nkind = "command.run"\ntimeout = "2s"\n'
           'command = ["/bin/sh", "-c", "sleep 1000 & sleep 1000"]\n'),
}


def mkdir(path):
    path.mkdir(parents=True)
    return path


def unreadable(path):
    path.chmod(0)
    return path


def rotated_corrupt(d):
    log = write(d / "app.log", "2026-11-30 10:00:00,000 INFO x: processed 3 submissions\n")
    gz_corrupt(d, "app.log.1.gz")
    return log


def suite_logs(d, log):
    target(d, '[logs]\nfiles = ["logs/job.log"]\n')
    return log


def suite_crontab(d, crontab):
    target(d, f'[cron]\ncrontab = "{crontab}"\n')
    return crontab


def suite_rotated(d):
    log = write(d / "proj" / "logs" / "job.log",
                "2026-11-30 10:00:00,000 INFO x: processed 3 submissions\n")
    gz_corrupt(d / "proj" / "logs", "job.log.1.gz")
    target(d, '[logs]\nfiles = ["logs/job.log"]\n')
    return log


def suite_check(d, body):
    target(d, f'[[check]]\nphase = "1-3"\nseverity = "P2"\n{body}')
    return d / "target.toml"


# --- what the cases share -------------------------------------------------------------

class Context:
    """Ports, a silent listener and the test server, shared by the cases."""

    def __init__(self, pg_env):
        with socket.socket() as s:  # bound, then closed: nothing listens there
            s.bind(("127.0.0.1", 0))
            self.closed_port = s.getsockname()[1]
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.silent_port = self.listener.getsockname()[1]
        self.accepted = []
        threading.Thread(target=self._accept, daemon=True).start()
        self.pg = None
        self.database = None
        if pg_env:
            env = dict(line.split("=", 1) for line in
                       pathlib.Path(pg_env).read_text().split("\n") if "=" in line)
            self.pg_environ = {**os.environ, **env}
            self.database = f"bad_inputs_{os.getpid()}"
            self.psql("postgres", f"CREATE DATABASE {self.database}")
            self.pg = (f"host={env['PGHOST']} port={env['PGPORT']} user={env['PGUSER']} "
                       f"dbname={self.database}")

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never answered

    def psql(self, db, sql):
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql],
                       env=self.pg_environ, check=True, stdout=subprocess.DEVNULL)

    def sql_table(self):
        self.psql(self.database, "CREATE TABLE IF NOT EXISTS t (id int)")
        return "t"

    def sql_sleepy_view(self):
        self.psql(self.database, "CREATE OR REPLACE VIEW sleepy AS "
                                 "SELECT 1 AS id FROM pg_sleep(30)")
        return "sleepy"

    def close(self):
        self.listener.close()
        for c in self.accepted:
            c.close()
        if self.database:
            self.psql("postgres", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)")


def read_cases(group):
    cases = []
    for number, line in enumerate((HERE / "cases.tsv").read_text().split("\n"), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 6:
            sys.exit(f"cases.tsv:{number}: {len(fields)} fields, 6 expected")
        g, name, setup, deadline, names, command = fields
        if setup not in SETUPS:
            sys.exit(f"cases.tsv:{number}: unknown SETUP '{setup}'")
        if group in (None, g):
            cases.append(dict(line=number, group=g, name=name, setup=setup,
                              deadline=float(deadline), names=names, command=command))
    return cases


def session_members(sid):
    """Live processes (zombies excluded) of session `sid`."""
    found = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            found.append(f"{entry.name} {stat[stat.index('(') + 1:stat.rindex(')')]}")
    return found


def run_case(case, args, ctx):
    d = pathlib.Path(tempfile.mkdtemp(prefix="rollcheck-bad-input."))
    d.chmod(0o755)  # the cases run as nobody traverse it
    try:
        made = SETUPS[case["setup"]](d, ctx)
        values = dict(rollcheck=args.rollcheck, bin=args.bin, dir=str(d), input=str(made),
                      pg=ctx.pg or "", closed_port=ctx.closed_port,
                      silent_port=ctx.silent_port)
        if case["group"] == "db" and not ctx.pg:
            return dict(case, ok=False, problems=["needs --pg-env"], status="-", seconds=0,
                        rss_mib=0)
        argv = [w.format(**values) for w in shlex.split(case["command"])]
        if argv[0] == "as-nobody":
            argv = NOBODY + argv[1:]
        names = case["names"].format(**values)
        out_path, err_path = d / "stdout", d / "stderr"
        started = time.monotonic()
        with open(out_path, "wb") as out, open(err_path, "wb") as err:
            proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True, cwd=d)
        hard_stop = started + case["deadline"] + 30
        killed = False
        while True:
            pid, wait_status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            if time.monotonic() > hard_stop and not killed:
                os.killpg(proc.pid, signal.SIGKILL)
                killed = True
            time.sleep(0.01)
        seconds = time.monotonic() - started
        proc.returncode = 0  # reaped here: keep Popen from waiting again
        leftovers = session_members(proc.pid)
        for _ in range(100):  # what was killed may take a moment to die
            if not leftovers:
                break
            time.sleep(0.02)
            leftovers = session_members(proc.pid)
        if leftovers:
            os.killpg(proc.pid, signal.SIGKILL)
        output = (out_path.read_bytes()[-200000:] + err_path.read_bytes()[-200000:]).decode(
            "utf-8", "replace")
        problems = []
        if os.WIFSIGNALED(wait_status):
            status = f"signal {os.WTERMSIG(wait_status)}"
            problems.append(f"ended by {status}")
        else:
            status = os.WEXITSTATUS(wait_status)
            if status not in (1, 2):
                problems.append(f"exit status {status}, expected 1 or 2")
        if names not in output:
            problems.append(f"the output does not name '{names}'")
        if seconds > case["deadline"] + args.slack_seconds:
            problems.append(f"took {seconds:.1f} s, deadline {case['deadline']:g} s "
                            f"+ {args.slack_seconds:g} s")
        rss_mib = usage.ru_maxrss / 1024
        if rss_mib >= args.memory_limit_mib:
            problems.append(f"peak memory {rss_mib:.0f} MiB, limit {args.memory_limit_mib} MiB")
        if leftovers:
            problems.append(f"processes left behind: {', '.join(leftovers)}")
        first = next((line for line in output.split("\n")
                      if line.startswith(("FAIL", "ERROR")) or names in line), "")
        return dict(case, ok=not problems, problems=problems, status=status, seconds=seconds,
                    rss_mib=rss_mib, first=first.strip(), output=output)
    finally:
        for p in d.rglob("*"):
            if p.is_file() and not p.is_symlink():
                p.chmod(0o644)
        shutil.rmtree(d, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rollcheck", required=True)
    parser.add_argument("--bin", required=True, help="the directory of the phase suites")
    parser.add_argument("--pg-env", help="the test server's pg.env (the db group needs it)")
    parser.add_argument("--group")
    parser.add_argument("--memory-limit-mib", type=int, default=256)
    parser.add_argument("--slack-seconds", type=float, default=1,
                        help="time allowed past a case's deadline (start-up, clean-up)")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    cases = read_cases(args.group)
    if not cases:
        sys.exit(f"no case in group '{args.group}'")
    ctx = Context(args.pg_env if args.group in (None, "db") else None)
    results = []
    try:
        for case in cases:
            r = run_case(case, args, ctx)
            results.append(r)
            verdict = "ok  " if r["ok"] else "BAD "
            print(f"{verdict} {r['name']}: exit {r['status']}, {r['seconds']:.1f} s "
                  f"(deadline {r['deadline']:g} s), {r['rss_mib']:.0f} MiB", flush=True)
            if not r["ok"]:
                for p in r["problems"]:
                    print(f"       {p}")
                print("       output: " + r.get("output", "")[-2000:].replace("\n", "\n       "))
    finally:
        ctx.close()
    if args.markdown:
        print("\n| input | face | exit | time (deadline) | peak memory | what it says |")
        print("|---|---|---|---|---|---|")
        for r in results:
            face = "suite" if "/verify-" in r["command"] or r["group"] == "suites" else "CLI"
            said = r.get("first", "").replace("|", "\\|").replace(str(pathlib.Path("/tmp")), "")
            print(f"| {r['name']} | {face} | {r['status']} | {r['seconds']:.1f} s "
                  f"({r['deadline']:g} s) | {r['rss_mib']:.0f} MiB | {said[:140]} |")
    bad = [r for r in results if not r["ok"]]
    print(f"\n{len(results) - len(bad)} of {len(results)} bad inputs handled")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
