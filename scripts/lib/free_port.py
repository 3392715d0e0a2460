"""Prints a free TCP port on 127.0.0.1: binds to port 0 and reads what the
kernel chose."""
import socket

with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
