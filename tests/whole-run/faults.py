#!/usr/bin/env python3
"""Faults survived mid-run.

    faults.py ROLLCHECK_BIN_DIR restart|stopped|rotate|concurrent

restart     PostgreSQL goes down as `verify-phase11 --wait` starts and is back
            3 s later: the suite recovers and ends green within the phase's
            deadline; its reports show the gap (attempts, green after).
stopped     PostgreSQL goes down for good: the suite ends in error within the
            phase's deadline, and every report is still written.
rotate      a log rotated (rename and create, then copytruncate) while
            `rollcheck logs follow` follows it: every line written in the
            window is counted once, none lost, none twice.
concurrent  20 suite runs at once against one server: all finish green, and
            afterwards pg_stat_activity shows no session of rollcheck's.

The servers are throwaway clusters of the test's own (pg-fixture), so
stopping them disturbs no other test.
"""
import datetime
import json
import os
import pathlib
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from support import Cluster, check, finish

DB_CASES = "no duplicated*,rows written*"
REPORTS = ("junit.xml", "results.json", "report.md", "rollcheck.prom")


def utc(t):
    return t.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class Harbor:
    """A throwaway server holding opportunities_unified, and a target file for it."""

    def __init__(self, work, recovery):
        self.cluster = Cluster(work / "pg")
        env = self.cluster.env
        self.cluster.psql("CREATE DATABASE harbor")
        self.since = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(
            seconds=1)
        self.cluster.psql(
            "CREATE TABLE opportunities_unified (submission_id text, created_at timestamptz "
            "DEFAULT now()); INSERT INTO opportunities_unified (submission_id) "
            "SELECT 't3_' || g FROM generate_series(1, 50) g", db="harbor")
        (work / "project").mkdir()
        self.target = work / "target.toml"
        self.target.write_text(
            f'[project]\nroot = "{work / "project"}"\n\n[database]\n'
            f'dsn = "host={env["PGHOST"]} port={env["PGPORT"]} dbname=harbor user=postgres"\n\n'
            f'[recovery]\n11 = "{recovery}"\n')

    def suite(self, bin_dir, reports, wait=True, cases=DB_CASES):
        argv = [str(bin_dir / "verify-phase11"), "--target", str(self.target), "--report",
                str(reports), "--since", utc(self.since), "--order", "lex"] + (
                    ["--wait"] if wait else []) + [cases]
        return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)


def finish_suite(proc, started):
    output = proc.communicate(timeout=300)[0].decode("utf-8", "replace")
    return proc.returncode, output, time.monotonic() - started


def restart(bin_dir, work):
    harbor = Harbor(work, "30s")
    try:
        harbor.cluster.stop()
        started = time.monotonic()
        proc = harbor.suite(bin_dir, work / "reports")
        time.sleep(3)
        harbor.cluster.start()
        back = time.monotonic() - started
        status, output, seconds = finish_suite(proc, started)
        print(output[-1500:])
        deadline = (harbor.since + datetime.timedelta(seconds=30) -
                    datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        check(status == 0, f"the suite ends green after the server came back (exit {status}, "
                           f"{seconds:.1f} s; server back after {back:.1f} s)")
        check(deadline > 0, "within the phase's deadline (30 s from --since)")
        results = json.loads((work / "reports" / "results.json").read_text())
        cases = results["cases"]
        check(all(c["verdict"] == "pass" for c in cases), "every case passes in the end")
        # The first case ran while the server was down; the later ones after it was back.
        first = cases[0]
        check(first["attempts"] >= 2 and (first["green_after_seconds"] or 0) >= 3,
              f"'{first['name']}': {first['verdict']} after {first['attempts']} attempts, "
              f"green {first['green_after_seconds']} s after --since (the gap)")
        report = (work / "reports" / "report.md").read_text()
        check("attempts" in report, "report.md shows the attempts")
    finally:
        harbor.cluster.remove()


def stopped(bin_dir, work):
    harbor = Harbor(work, "6s")
    # A check of the target stops the server for good, mid-run: by name it
    # runs first (--order lex), before the database's cases.
    owner = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    stop = owner + ["/usr/lib/postgresql/15/bin/pg_ctl", "-D", str(harbor.cluster.data),
                    "-m", "fast", "-w", "stop"]
    with open(harbor.target, "a") as f:
        f.write('\n[[check]]\nphase = "11"\nseverity = "P3"\nname = "a stop of the server"\n'
                'kind = "command.run"\ncommand = [' + ", ".join(f'"{w}"' for w in stop) +
                ']\n')
    try:
        started = time.monotonic()
        proc = harbor.suite(bin_dir, work / "reports", cases="a stop*," + DB_CASES)
        status, output, seconds = finish_suite(proc, started)
        print(output[-1500:])
        check(status == 2, f"the suite ends in error (exit {status})")
        # The deadline counts from --since, 1 s before the suite started.
        check(seconds < 6 + 5, f"within the phase's deadline of 6 s plus one attempt "
                               f"({seconds:.1f} s)")
        for name in REPORTS:
            check((work / "reports" / name).is_file(), f"{name} written")
        results = json.loads((work / "reports" / "results.json").read_text())
        verdicts = [c["verdict"] for c in results["cases"]]
        check(len(verdicts) == 3 and verdicts[0] == "pass" and verdicts[1:] == ["error"] * 2,
              f"the stop ran first, the cases after it are errors ({verdicts})")
        check("cannot connect" in output, "the console says the server cannot be reached")
    finally:
        harbor.cluster.remove()


def opened_by(pid, path, deadline):
    """True once process `pid` has `path` open; False if the deadline passes first."""
    fds = pathlib.Path(f"/proc/{pid}/fd")
    target = os.path.realpath(path)  # /proc shows the path with symlinks resolved
    while time.monotonic() < deadline:
        try:
            if any(os.readlink(fd) == target for fd in fds.iterdir()):
                return True
        except OSError:  # a descriptor closed while listed, or the process gone
            pass
        time.sleep(0.02)
    return False


def rotate(bin_dir, work):
    for how in ("rename", "copytruncate"):
        log = work / f"{how}.log"
        log.write_text("2026-11-30 09:59:59,000 INFO job: before the window\n")
        written = []
        written_by = [float("inf")]
        opened = [False]

        follower = subprocess.Popen(
            [str(bin_dir / "rollcheck"), "logs", "follow", str(log), "-r",
             "processed [0-9]+ submissions:300", "-e", "ERROR", "--for", "6s", "--json"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)

        def writer():
            # Lines written before the follower sits at the log's end are not
            # its window's: wait until it has the log open (a sanitized build
            # on a loaded machine takes seconds to start).
            opened[0] = opened_by(follower.pid, log, deadline=time.monotonic() + 30)
            time.sleep(0.2)
            out = open(log, "a")
            for i in range(1, 301):
                line = f"2026-11-30 10:00:00,{i % 1000:03d} INFO job: processed {i} submissions\n"
                out.write(line)
                out.flush()
                written.append(i)
                if i == 150:
                    if how == "rename":
                        out.close()
                        os.rename(log, f"{log}.1")
                        out = open(log, "a")
                    else:
                        time.sleep(0.3)  # the follower has read what is there
                        shutil.copy(log, f"{log}.1")
                        os.truncate(log, 0)
                        out.seek(0)
                time.sleep(0.002)
            out.close()
            written_by[0] = time.monotonic()

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            output = follower.communicate(timeout=60)[0].decode("utf-8", "replace")
        except subprocess.TimeoutExpired:
            os.killpg(follower.pid, signal.SIGKILL)
            follower.communicate()
            thread.join()
            raise
        status = follower.returncode
        window_closed = time.monotonic()
        thread.join()
        check(opened[0], f"{how}: the follower had the log open within 30 s")
        if not check(written_by[0] < window_closed - 0.5,
                     f"{how}: the writer was done {window_closed - written_by[0]:.1f} s before "
                     "the window closed"):
            continue
        result = json.loads(output)
        lines = next(p["lines"] for p in result["totals"]["patterns"]
                     if p["role"] == "required pattern")
        check(status == 0 and lines == len(written) == 300,
              f"{how}: {lines} of {len(written)} lines counted once each (exit {status}, "
              f"{result['summary']})")
        check(len(result["totals"]["rotations"]) == 1,
              f"{how}: the rotation is reported ({result['totals']['rotations']})")


def concurrent(bin_dir, work):
    harbor = Harbor(work, "30s")
    try:
        started = time.monotonic()
        procs = [harbor.suite(bin_dir, work / f"reports-{i}", wait=False) for i in range(20)]
        results = [finish_suite(p, started) for p in procs]
        statuses = [r[0] for r in results]
        check(statuses == [0] * 20, f"20 runs at once all green: exits {statuses} "
                                    f"({time.monotonic() - started:.1f} s)")
        for status, output, _ in results:
            if status != 0:
                print(output[-1500:])
                break
        ours = "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rollcheck'"
        end = time.monotonic() + 10
        left = harbor.cluster.psql(ours)
        while left != "0" and time.monotonic() < end:
            time.sleep(0.1)
            left = harbor.cluster.psql(ours)
        check(left == "0", f"no session of rollcheck's left in pg_stat_activity ({left})")
        peak = harbor.cluster.psql("SELECT numbackends FROM pg_stat_database WHERE datname = "
                                   "'harbor'")
        check(peak in ("0", "1"), f"harbor's backends afterwards: {peak}")
    finally:
        harbor.cluster.remove()


def main():
    bin_dir = pathlib.Path(sys.argv[1])
    work = pathlib.Path(tempfile.mkdtemp(prefix="rollcheck-faults."))
    work.chmod(0o755)  # the cluster's owner reads the target's directory
    try:
        {"restart": restart, "stopped": stopped, "rotate": rotate,
         "concurrent": concurrent}[sys.argv[2]](bin_dir, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return finish()


if __name__ == "__main__":
    sys.exit(main())
