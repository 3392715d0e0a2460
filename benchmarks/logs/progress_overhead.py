#!/usr/bin/env python3
# progress_overhead.py BASE_ROLLCHECK NEW_ROLLCHECK [ROUNDS]
# Wall time of `rollcheck logs scan` on a 1 GiB log: the base build against
# this branch's, stderr not a terminal (no sink) and on a pty (sink installed).
import os, pty, statistics, subprocess, sys, time
log = os.environ.get("LOG", "/tmp/rollcheck-progress-bench.log")
if not os.path.exists(log):
    lines = []
    for i in range(100000):
        s = i % 60
        lvl = "ERROR" if i % 9973 == 0 else "INFO"
        lines.append(f"2026-11-28 09:{(i//60)%60:02}:{s:02},123 {lvl} scoring.batch: processed {i%97} submissions in batch {i}\n")
    block = "".join(lines).encode()
    with open(log, "wb") as f:
        while f.tell() < (1 << 30):
            f.write(block)
base, new = sys.argv[1], sys.argv[2]
args = ["logs", "scan", log, "-e", "ERROR|CRITICAL|Traceback", "--max-errors", "1000000000", "--json"]
def run(binary, tty):
    if tty:
        m, s = pty.openpty()
        t = time.monotonic(); p = subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=s); d = time.monotonic() - t
        os.close(s); os.close(m)
    else:
        t = time.monotonic(); p = subprocess.run([binary] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); d = time.monotonic() - t
    assert p.returncode in (0, 1), p.returncode
    return d
subprocess.run(["cat", log], stdout=subprocess.DEVNULL)  # warm the page cache
res = {"base": [], "new": [], "new_tty": []}
for r in range(int(sys.argv[3]) if len(sys.argv) > 3 else 7):
    res["base"].append(run(base, False)); res["new"].append(run(new, False)); res["new_tty"].append(run(new, True))
size = os.path.getsize(log)
for k, v in res.items():
    m = statistics.median(v)
    print(f"{k:8} median {m:.3f} s  {size/m/1e9:.2f} GB/s  runs {' '.join(f'{x:.3f}' for x in v)}")
