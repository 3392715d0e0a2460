"""The pipeline's SDK (migration): a client of the API."""
import urllib.request


def health(base_url):
    with urllib.request.urlopen(f"{base_url}/health", timeout=5) as answer:
        return answer.read().decode()
