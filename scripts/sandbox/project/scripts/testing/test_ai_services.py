"""Exits 0 when the scoring monolith calls the AI agents directly and their
verdicts are sane; 1 when a check fails."""
import importlib.util
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
spec = importlib.util.spec_from_file_location(
    "batch_opportunity_scoring", ROOT / "scripts/core/batch_opportunity_scoring.py")
scoring = importlib.util.module_from_spec(spec)
spec.loader.exec_module(scoring)
score = scoring.score_opportunity

ask = "Looking for an app to split rent, would pay for it. Is there an app?"
chat = "Weekly discussion thread"
checks = [
    ("verdicts lie in 0-100", all(0 <= score(t) <= 100 for t in [ask, chat, "", "x" * 5000])),
    ("one title, one verdict", score(ask) == score(ask)),
    ("a request for a product outscores small talk", score(ask) > score(chat) + 50),
    ("the monolith does not go through core.enrichment", "core.enrichment" not in sys.modules),
]
for name, ok in checks:
    print(("ok    " if ok else "FAIL  ") + name)
failed = sum(not ok for _, ok in checks)
print(f"{len(checks) - failed} of {len(checks)} AI service checks passed")
sys.exit(1 if failed else 0)
