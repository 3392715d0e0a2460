"""Direct Python access to the pipeline, without the API. With --watch
SECONDS it keeps running, scoring again every SECONDS, as the migration
runs it in production."""
import argparse
import pathlib
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2]))
from core.scoring import score  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--watch", type=float, metavar="SECONDS")
args = parser.parse_args()
print("unified pipeline (direct):", score("direct access"), flush=True)
while args.watch:
    time.sleep(args.watch)
