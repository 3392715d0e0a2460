#!/usr/bin/env python3
"""Runs a program with its stderr on a pseudo-terminal (as a person at a
terminal sees it) or on a pipe, optionally feeding its stdin slowly, and
prints what it wrote as JSON: {"exit": N, "stdout": "...", "stderr": "..."}.

pty-run.py [--stderr pty|pipe] [--stdin-file F --chunks N --interval S] -- PROGRAM ARGS...
"""
import argparse
import fcntl
import json
import os
import pty
import selectors
import struct
import subprocess
import sys
import termios
import threading
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--stderr", choices=["pty", "pipe"], default="pty")
    parser.add_argument("--stdin-file")
    parser.add_argument("--chunks", type=int, default=1)
    parser.add_argument("--interval", type=float, default=0.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command

    if args.stderr == "pty":
        reader, writer = pty.openpty()
        # A wide terminal: the line is cut at its width, and the tests read it whole.
        fcntl.ioctl(writer, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 1000, 0, 0))
    else:
        reader, writer = os.pipe()
    child = subprocess.Popen(
        command,
        stdin=subprocess.PIPE if args.stdin_file else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=writer,
    )
    os.close(writer)

    def feed():
        with open(args.stdin_file, "rb") as f:
            data = f.read()
        size = (len(data) + args.chunks - 1) // args.chunks
        try:
            for i in range(args.chunks):
                child.stdin.write(data[i * size:(i + 1) * size])
                child.stdin.flush()
                time.sleep(args.interval)
            child.stdin.close()
        except BrokenPipeError:
            pass

    feeder = threading.Thread(target=feed) if args.stdin_file else None
    if feeder:
        feeder.start()

    out, err = b"", b""
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ, "out")
    selector.register(reader, selectors.EVENT_READ, "err")
    deadline = time.monotonic() + args.timeout
    open_streams = 2
    while open_streams > 0 and time.monotonic() < deadline:
        for key, _ in selector.select(timeout=0.5):
            try:
                data = os.read(key.fd, 65536)
            except OSError:  # a pty whose other end closed
                data = b""
            if not data:
                selector.unregister(key.fileobj)
                open_streams -= 1
            elif key.data == "out":
                out += data
            else:
                err += data
    if open_streams > 0:
        child.kill()
    status = child.wait()
    if feeder:
        feeder.join()
    os.close(reader)
    json.dump({"exit": status,
               "stdout": out.decode("utf-8", "replace"),
               "stderr": err.decode("utf-8", "replace")}, sys.stdout)


if __name__ == "__main__":
    main()
