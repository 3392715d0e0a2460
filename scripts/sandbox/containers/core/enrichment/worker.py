"""The enrichment worker (migration): asks the API for each batch, and exits
when it does not answer, for its container's restart policy to retry."""
import os
import sys
import time
import urllib.error
import urllib.request

API_URL = os.environ.get("API_URL", "http://127.0.0.1:8000")


def main():
    while True:
        try:
            with urllib.request.urlopen(f"{API_URL}/health", timeout=5) as answer:
                answer.read()
        except (urllib.error.URLError, OSError) as error:
            print(f"enrichment: the API at {API_URL} does not answer: {error}", flush=True)
            sys.exit(1)
        print("enrichment: batch enriched", flush=True)
        time.sleep(30)


if __name__ == "__main__":
    main()
