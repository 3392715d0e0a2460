#!/usr/bin/env python3
"""Read-only, proven for a whole run.

    read_only.py ROLLCHECK_BIN_DIR

Builds the rehearsal's sandbox and rolls it back, then runs `verify-rollback`
(every phase's test cases) against it and proves that rollcheck wrote
nothing:

- its target connects as `rollcheck_reader`, a role holding SELECT and no
  other privilege, whose sessions default to read-only transactions;
- the insert, update and delete counters of pg_stat_database and
  pg_stat_user_tables are the same after the run as before (the observer
  asks for the statistics flushed, and then shows that an insert of its own
  does move them, so the comparison is not blind);
- every file of the sandbox keeps its inode, size and modification time,
  but for those the system's own jobs write when a check runs them.

The system's jobs (Phase 4-5's `--limit 10`, Phase 8's runs) write rows by
design; in this run they reach a second server through PGHOST/PGPORT, so
the counters of the verified server can only move by rollcheck's doing.
"""
import json
import os
import subprocess
import sys
import time

from support import Cluster, check, prove_on_one_sandbox, run

# What the system's own jobs write when a suite runs them: their log.
WRITTEN_BY_THE_JOBS = ("reddit_harbor/logs/",)


def counters(sandbox):
    """The write counters of the verified database, as the statistics hold them now."""
    rows = sandbox.psql(
        "SELECT pg_stat_force_next_flush(); SELECT pg_stat_clear_snapshot();"
        "SELECT 'database', tup_inserted, tup_updated, tup_deleted FROM pg_stat_database "
        "WHERE datname = current_database() UNION ALL "
        "SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables "
        "ORDER BY 1")
    return [line for line in rows.split("\n") if "|" in line]


def settled_counters(sandbox, deadline_s=15):
    """The counters once two reads a second apart agree (within the deadline)."""
    last = counters(sandbox)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        time.sleep(1.1)
        now = counters(sandbox)
        if now == last:
            return now
        last = now
    return last


def file_states(root):
    states = {}
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        if rel_dir.split(os.sep)[0] in ("reports", "pg", "side"):
            dirnames[:] = []
            continue
        for name in filenames:
            rel = os.path.normpath(os.path.join(rel_dir, name))
            if rel.startswith(WRITTEN_BY_THE_JOBS):
                continue
            st = os.lstat(os.path.join(dirpath, name))
            states[rel] = (st.st_ino, st.st_size, st.st_mtime_ns)
    return states


def prove(bin_dir, sandbox):
    """Runs verify-rollback against `sandbox` and checks that it wrote nothing."""
    side = None
    try:
        side = Cluster(sandbox.dir / "side")
        side.psql("CREATE DATABASE reddit_harbor")
        side.psql("CREATE ROLE rollcheck_reader")
        schema = subprocess.run(["pg_dump", "--schema-only", "-d", "reddit_harbor"],
                                env=sandbox.environ(), stdout=subprocess.PIPE, check=True).stdout
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "reddit_harbor"],
                       input=schema, env=side.environ(), stdout=subprocess.DEVNULL, check=True)

        target = sandbox.target.read_text()
        check("user=rollcheck_reader" in target, "the target connects as rollcheck_reader")
        check(sandbox.psql("SELECT rolconfig::text FROM pg_roles WHERE rolname = "
                           "'rollcheck_reader'") == "{default_transaction_read_only=on}",
              "rollcheck_reader's sessions default to read-only transactions")
        check(sandbox.psql("SELECT rolsuper OR rolcreaterole OR rolcreatedb OR rolbypassrls "
                           "FROM pg_roles WHERE rolname = 'rollcheck_reader'") == "f",
              "rollcheck_reader is no superuser and creates nothing")
        check(sandbox.psql("SELECT string_agg(DISTINCT privilege_type, ',') FROM "
                           "information_schema.role_table_grants WHERE grantee = "
                           "'rollcheck_reader'") == "SELECT",
              "rollcheck_reader holds SELECT and no other table privilege")
        # A table of the observer's own, made before the first reading: the control.
        sandbox.psql("CREATE TABLE observer_control (n int)")
        # The server's own maintenance writes too (ANALYZE fills pg_statistic, which
        # pg_stat_database counts): done now, and switched off while we measure.
        sandbox.psql("ALTER SYSTEM SET autovacuum = off")
        sandbox.psql("SELECT pg_reload_conf()")
        sandbox.psql("ANALYZE")

        before = settled_counters(sandbox)
        files_before = file_states(sandbox.dir)
        check(len(before) >= 2 and len(files_before) > 20,
              f"observed {len(before)} counter rows and {len(files_before)} files")

        reports = sandbox.dir / "reports" / "verify-rollback"
        status, output, seconds = run(
            [str(bin_dir / "verify-rollback"), "--target", str(sandbox.target), "--report",
             str(reports)], env=side.environ(), timeout=300)
        print(output[-1500:])
        check(status == 0, f"verify-rollback is green against the sandbox (exit {status}, "
                           f"{seconds:.1f} s)")
        cases = json.loads((reports / "results.json").read_text())["cases"]
        check(len(cases) >= 30, f"verify-rollback ran every phase's cases ({len(cases)})")

        # Every session of the run has ended (a backend flushes its statistics as it exits).
        end = time.monotonic() + 15
        while time.monotonic() < end and sandbox.psql(
                "SELECT count(*) FROM pg_stat_activity WHERE usename = 'rollcheck_reader'") != "0":
            time.sleep(0.2)
        after = settled_counters(sandbox)
        changed = sorted(set(before) ^ set(after))
        check(after == before, "insert, update and delete counters unchanged by the run"
              + (f"; before/after differ in: {changed}" if changed else ""))

        sandbox.psql("INSERT INTO observer_control VALUES (1)")
        end = time.monotonic() + 15
        moved = False
        while time.monotonic() < end and not moved:
            moved = any(r.startswith("observer_control|1|") for r in counters(sandbox))
            time.sleep(0.2)
        check(moved, "the observer sees an insert of its own in the same counters")

        files_after = file_states(sandbox.dir)
        changed = sorted(p for p in files_before.keys() | files_after.keys()
                         if files_before.get(p) != files_after.get(p))
        check(not changed, f"{len(files_before)} files keep inode, size and mtime"
              + (f"; changed, added or removed: {changed[:20]}" if changed else ""))
    finally:
        if side:
            side.remove()


if __name__ == "__main__":
    sys.exit(prove_on_one_sandbox(prove))
