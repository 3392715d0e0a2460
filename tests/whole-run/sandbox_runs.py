#!/usr/bin/env python3
"""Read-only and no secret shown, proven on one sandbox.

    sandbox_runs.py ROLLCHECK_BIN_DIR

Building and rolling back the rehearsal's sandbox is most of what either
proof costs, so both run on one: read-only first (read_only.py), then no
secret shown (no_secret.py), which gives the read-only role a password.
Each script also runs alone, on a sandbox of its own.
"""
import sys

import no_secret
import read_only
from support import prove_on_one_sandbox

if __name__ == "__main__":
    sys.exit(prove_on_one_sandbox(read_only.prove, no_secret.prove))
