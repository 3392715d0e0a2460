#!/usr/bin/env python3
"""An incoming webhook for the tests: answers one POST with STATUS, keeps
the request in DIR/request.json, and writes the port it listens on to
DIR/port once it listens. Exits after that request, or after 30 s.

webhook-server.py DIR STATUS
"""
import http.server
import json
import os
import sys

directory, status = sys.argv[1], int(sys.argv[2])


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.path.join(directory, "request.json"), "w") as f:
            json.dump({"path": self.path,
                       "content_type": self.headers.get("Content-Type"),
                       "body": body.decode("utf-8")}, f)
        answer = b"ok" if status < 300 else b"invalid_payload"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Hook)
server.timeout = 30
with open(os.path.join(directory, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
server.handle_request()
