#!/usr/bin/env python3
"""JSON-lines logs: `rollcheck logs scan` on a Docker json-file log beside
`rg -c` and `dd` (the cost of only reading the file), warm, in alternating
rounds; median wall times and the ratios.

    json_lines_benchmark.py ROLLCHECK [--mib N] [--rounds N] [--dir DIR]

The log is what Docker writes for a Python service: one record per line,
`{"log":"2026-11-28 09:26:24,123 INFO …\\n","stream":"stdout","time":"…"}`,
times rising 10 ms a record, one line in 50 with `<`, `>` or `&` (which
Docker writes as \\u003c, \\u003e, \\u0026), about 0.01% ERROR lines and a
traceback written record by record after one in five of them, none in the
last 1.5%. It is deleted at the end.
"""
import argparse
import datetime
import os
import pathlib
import statistics
import subprocess
import tempfile
import time

PATTERN = "ERROR|CRITICAL|Traceback"


def record(message, when, stream="stdout"):
    text = (message.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\u003c")
            .replace(">", "\\u003e").replace("&", "\\u0026"))
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
    return f'{{"log":"{text}\\n","stream":"{stream}","time":"{stamp}"}}\n'


def write_log(path, size):
    start = datetime.datetime(2026, 11, 28, 0, 0, 0)
    quiet_from = int(size * 0.985)
    written, i = 0, 0
    with open(path, "w", encoding="utf-8") as out:
        chunk = []
        while written < size:
            when = start + datetime.timedelta(milliseconds=10 * i)
            logged = when.strftime("%Y-%m-%d %H:%M:%S,") + f"{when.microsecond // 1000:03}"
            lines = [record(f"{logged} INFO unified_pipeline: processed {i % 97} submissions "
                            f"from r/startups ({i % 13} duplicates skipped)"
                            + (" <cache hit & ok>" if i % 50 == 0 else ""), when)]
            if i % 10000 == 5000 and written < quiet_from:
                lines.append(record(f"{logged} ERROR unified_pipeline: enrichment failed for "
                                    f"t3_{i:x}", when, "stderr"))
                if i % 50000 == 5000:
                    lines += [record(text, when, "stderr") for text in (
                        "Traceback (most recent call last):",
                        '  File "/app/core/enrichment/ai_enrichment.py", line 214, in enrich',
                        "    response = client.complete(prompt)",
                        "RuntimeError: rate limited: 429")]
            for line in lines:
                chunk.append(line)
                written += len(line)
            i += 1
            if len(chunk) >= 20000:
                out.write("".join(chunk))
                chunk = []
        out.write("".join(chunk))
    return start + datetime.timedelta(milliseconds=10 * i)


def timed(argv):
    began = time.monotonic()
    done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=False)
    return time.monotonic() - began, done.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("rollcheck")
    parser.add_argument("--mib", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--dir", default=tempfile.gettempdir())
    args = parser.parse_args()

    log = pathlib.Path(args.dir) / f"rollcheck-json-bench-{os.getpid()}-json.log"
    try:
        end = write_log(log, args.mib << 20)
        size = log.stat().st_size
        start = datetime.datetime(2026, 11, 28)
        last_percent = (start + (end - start) * 0.99).strftime("%Y-%m-%dT%H:%M:%SZ")
        tools = {
            "rollcheck logs scan": [args.rollcheck, "logs", "scan", str(log), "-e", PATTERN,
                                    "--max-errors", "1000000000"],
            "rg -c": ["rg", "-c", PATTERN, str(log)],
            "dd bs=256k": ["dd", f"if={log}", "of=/dev/null", "bs=256k", "status=none"],
            "rollcheck, --since last 1%": [args.rollcheck, "logs", "scan", str(log), "-e",
                                           PATTERN, "--since", last_percent],
            "rollcheck, a heartbeat on every record": [
                args.rollcheck, "logs", "scan", str(log), "-e", PATTERN, "--max-errors",
                "1000000000", "--require", "processed [0-9]+ submissions"],
        }
        timed(["cat", str(log)])  # warm the page cache
        walls = {name: [] for name in tools}
        for round_number in range(args.rounds):
            names = list(tools)
            names = names[round_number % len(names):] + names[:round_number % len(names)]
            for name in names:
                walls[name].append(timed(tools[name])[0])
        print(f"{size / 1e9:.3f} GB, {args.rounds} rounds, load average "
              f"{os.getloadavg()[0]:.2f}")
        print(f"rollcheck says: {timed(tools['rollcheck logs scan'])[1].decode().splitlines()[0]}")
        print(f"rg -c says: {timed(tools['rg -c'])[1].decode().strip()} lines")
        median = {name: statistics.median(w) for name, w in walls.items()}
        for name, wall in median.items():
            print(f"| {name} | {wall:.3f} s | {size / wall / 1e9:.2f} GB/s |")
        scan = median["rollcheck logs scan"]
        print(f"rollcheck / dd = {scan / median['dd bs=256k']:.2f}; "
              f"rg / rollcheck = {median['rg -c'] / scan:.2f}")
    finally:
        log.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
