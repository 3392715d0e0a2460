#!/usr/bin/env python3
"""No secret shown, across everything.

    no_secret.py ROLLCHECK_BIN_DIR

Builds the rehearsal's sandbox, gives its read-only role a distinctive
password and makes every connection go through TCP, where the server asks
for it. Then:

- every phase suite runs against the sandbox, its password taken from
  PGPASSWORD, a .pgpass file (PGPASSFILE) or a service file (PGSERVICEFILE),
  one source per suite in turn, and once more against the right server with
  a wrong password; target files holding the password in the DSN (keyword
  and URI forms) are refused;
- every `rollcheck db` subcommand runs with the password in the DSN (keyword
  and URI forms), in PGPASSWORD, in .pgpass and in a service file, against
  the server, then with a wrong password, then against the server stopped;

and every output (console, junit.xml, results.json, report.md,
rollcheck.prom, the baseline and state files each run wrote) is searched for
the password, for its URL-encoded form and for the wrong password: none is
ever found.
"""
import pathlib
import sys
import urllib.parse

from support import PHASES, check, prove_on_one_sandbox, run

PASSWORD = "Rc-s3cret/Pw+7Zq=Kx"
WRONG = "Wr0ng-Pw/9Yx+Qe=Lm"
SECRETS = {
    "the password": PASSWORD,
    "the password URL-encoded": urllib.parse.quote(PASSWORD, safe=""),
    "the wrong password": WRONG,
    "the wrong password URL-encoded": urllib.parse.quote(WRONG, safe=""),
}


class Outputs:
    """Every output of the test's runs, searched for the secrets at the end."""

    def __init__(self):
        self.texts = []  # (where, text)
        self.dirs = []

    def console(self, where, text):
        self.texts.append((where, text))

    def files(self, directory):
        self.dirs.append(pathlib.Path(directory))

    def search(self):
        found = []
        places = 0
        for where, text in self.texts:
            places += 1
            found += [f"{name} in {where}" for name, s in SECRETS.items() if s in text]
        for d in self.dirs:
            for f in (p for p in d.rglob("*") if p.is_file()):
                places += 1
                data = f.read_bytes().decode("utf-8", "replace")
                found += [f"{name} in {f}" for name, s in SECRETS.items() if s in data]
        return places, found


def prove(bin_dir, sandbox):
    """Runs every suite and `rollcheck db` subcommand with the password given
    every way libpq takes one, and searches every output for it."""
    rollcheck = str(bin_dir / "rollcheck")
    outputs = Outputs()
    d = sandbox.dir
    sandbox.psql(f"ALTER ROLE rollcheck_reader PASSWORD '{PASSWORD}'")
    port = sandbox.env["PGPORT"]
    tcp = f"host=127.0.0.1 port={port} dbname=reddit_harbor user=rollcheck_reader"
    pgpass = d / "pgpass"
    pgpass.write_text(f"127.0.0.1:{port}:reddit_harbor:rollcheck_reader:{PASSWORD}\n")
    pgpass.chmod(0o600)
    services = d / "pg_service.conf"
    services.write_text(f"[rollcheck]\nhost=127.0.0.1\nport={port}\ndbname=reddit_harbor\n"
                        f"user=rollcheck_reader\npassword={PASSWORD}\n")
    # No password anywhere else: the sandbox's ~/.pgpass is not ours to read.
    nowhere = str(d / "no-such-pgpass")
    sources = {
        "PGPASSWORD": (tcp, {"PGPASSWORD": PASSWORD, "PGPASSFILE": nowhere}),
        ".pgpass": (tcp, {"PGPASSFILE": str(pgpass)}),
        "a service file": ("service=rollcheck", {"PGSERVICEFILE": str(services),
                                                 "PGPASSFILE": nowhere}),
    }
    wrong = {"PGPASSWORD": WRONG, "PGPASSFILE": nowhere}
    original = sandbox.target.read_text()

    def target_with(dsn, name):
        path = d / f"target-{name}.toml"
        lines = [f'dsn = "{dsn}"' if line.startswith("dsn = ") else line
                 for line in original.split("\n")]
        path.write_text("\n".join(lines))
        return path

    # Every phase suite, each with one password source in turn.
    names = list(sources)
    for i, (phase, program) in enumerate(PHASES):
        source = names[i % len(names)]
        dsn, env = sources[source]
        target = target_with(dsn, f"{phase}-{i}")
        reports = d / "reports" / program
        status, output, seconds = run(
            [str(bin_dir / program), "--target", str(target), "--report",
             str(reports)], env=sandbox.environ(**env), timeout=300)
        outputs.console(f"{program}'s console", output)
        outputs.files(reports)
        check(status == 0, f"{program}, password from {source}: exit {status} "
                           f"({seconds:.1f} s)")
        if status != 0:
            print(output[-1500:])
    # The suites against the server with a wrong password: errors, never the password.
    for phase in ("4-5", "7", "11"):
        reports = d / "reports" / f"wrong-{phase}"
        status, output, _ = run(
            [str(bin_dir / f"verify-phase{phase}"), "--target",
             str(target_with(tcp, f"wrong-{phase}")), "--report", str(reports)],
            env=sandbox.environ(**wrong), timeout=300)
        outputs.console(f"verify-phase{phase}'s console, wrong password", output)
        outputs.files(reports)
        check(status == 2 and "password authentication failed" in output,
              f"verify-phase{phase} with a wrong password: exit {status}, the server's "
              "refusal shown")
    # A target holding the password in its DSN is refused.
    for form, dsn in (("keyword", f"{tcp} password={PASSWORD}"),
                      ("URI", f"postgresql://rollcheck_reader:"
                              f"{urllib.parse.quote(PASSWORD, safe='')}@127.0.0.1:{port}/"
                              "reddit_harbor")):
        reports = d / "reports" / f"refused-{form}"
        status, output, _ = run(
            [str(bin_dir / "verify-phase11"), "--target", str(target_with(dsn, form)),
             "--report", str(reports)], env=sandbox.environ(), timeout=120)
        outputs.console(f"verify-phase11's console, password in a {form} DSN", output)
        outputs.files(reports)
        check(status == 2 and "password" in output,
              f"a target with a password in a {form} DSN is refused (exit {status})")

    # Every `rollcheck db` subcommand.
    baseline = d / "out" / "baseline.json"
    baseline.parent.mkdir()
    table = ["--table", "opportunities_unified"]
    subcommands = {
        "duplicates": table + ["--key", "submission_id"],
        "recent": table + ["--column", "created_at", "--within", "30d"],
        "freshness": table + ["--column", "created_at", "--error-after", "30d"],
        "baseline": table + ["--key", "submission_id", "--out", str(baseline)],
        "compare": [str(d / "baseline.json")],
        "backup": [next(str(p) for p in d.glob("backup_*.dump")), "--table",
                   "opportunities_unified", "--restore-check"],
    }
    uri = (f"postgresql://rollcheck_reader:{urllib.parse.quote(PASSWORD, safe='')}"
           f"@127.0.0.1:{port}/reddit_harbor")
    ways = {
        "in a keyword DSN": (f"{tcp} password={PASSWORD}", {"PGPASSFILE": nowhere}),
        "in a URI": (uri, {"PGPASSFILE": nowhere}),
        **sources,
    }

    def db(sub, dsn, env, where, json_output):
        options = list(subcommands[sub])
        dsn_option = "--scratch-dsn" if sub == "backup" else "--dsn"
        argv = [rollcheck, "db", sub, *options, dsn_option, dsn] + (
            ["--json"] if json_output else [])
        status, output, _ = run(argv, env=sandbox.environ(**env), timeout=120)
        outputs.console(f"rollcheck db {sub}, password {where}", output)
        return status, output

    n = 0
    for sub in subcommands:
        for way, (dsn, env) in ways.items():
            n += 1
            status, output = db(sub, dsn, env, way, n % 2 == 0)
            # backup --restore-check needs a scratch database the reader may not create in.
            if sub != "backup":
                check(status in (0, 1), f"rollcheck db {sub}, password {way}: exit {status}")
                if status not in (0, 1):
                    print(output[-800:])
        # The server refuses a wrong password, given in PGPASSWORD or in the DSN in turn.
        if n % 2 == 0:
            status, output = db(sub, tcp, wrong, "wrong, in PGPASSWORD", n % 4 == 0)
        else:
            status, output = db(sub, f"{tcp} password={WRONG}", {"PGPASSFILE": nowhere},
                                "wrong, in the DSN", n % 4 == 1)
        check(status == 2 and "password authentication failed" in output,
              f"rollcheck db {sub}, a wrong password: exit {status}, the refusal shown")
    outputs.files(baseline.parent)

    # The server down: stopped for good.
    run(["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D",
         pathlib.Path((d / "pg" / "cluster").read_text().strip()) / "data", "-m", "fast",
         "-w", "stop"])
    way_names = list(ways)
    for i, sub in enumerate(subcommands):
        way = way_names[i % len(way_names)]
        dsn, env = ways[way]
        status, output = db(sub, dsn, env, f"{way}, server down", i % 2 == 0)
        check(status == 2, f"rollcheck db {sub}, password {way}, server down: exit {status}")
    status, output, _ = run(
        [str(bin_dir / "verify-phase11"), "--target", str(target_with(tcp, "down")),
         "--report", str(d / "reports" / "down")],
        env=sandbox.environ(PGPASSWORD=PASSWORD, PGPASSFILE=nowhere), timeout=120)
    outputs.console("verify-phase11's console, server down", output)
    outputs.files(d / "reports" / "down")
    check(status == 2, f"verify-phase11 with the server down: exit {status}")

    places, found = outputs.search()
    check(not found, f"no password in {places} outputs"
          + (f"; found: {found[:20]}" if found else ""))


if __name__ == "__main__":
    sys.exit(prove_on_one_sandbox(prove))
