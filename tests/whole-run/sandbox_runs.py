#!/usr/bin/env python3
"""Read-only and no secret shown, proven on one sandbox.

    sandbox_runs.py ROLLCHECK_BIN_DIR

Building and rolling back the rehearsal's sandbox is most of what either
proof costs, so both run on one: read-only first (read_only.py), then no
secret shown (no_secret.py), which gives the read-only role a password.
Each script also runs alone, on a sandbox of its own.
"""
import pathlib
import sys

import no_secret
import read_only
from support import Sandbox, finish


def main():
    bin_dir = pathlib.Path(sys.argv[1])
    sandbox = Sandbox(bin_dir / "rollcheck")
    try:
        read_only.prove(bin_dir, sandbox)
        no_secret.prove(bin_dir, sandbox)
    finally:
        sandbox.destroy()
    return finish()


if __name__ == "__main__":
    sys.exit(main())
