"""The pipeline's HTTP API (migration): GET /health answers 200 "ok"."""
import argparse
import http.server


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        status, body = (200, b"ok") if self.path == "/health" else (404, b"not found")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"api: serving http://{args.host}:{args.port}/health", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
