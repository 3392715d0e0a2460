"""The restarted job failing on an import the migration introduced, as its
own logging records it: run in the work tree, appends the traceback to
logs/batch_opportunity_scoring.log."""
import logging
import os
import sys

# The work tree's modules first, as the job finds them.
sys.path.insert(0, os.getcwd())

logging.basicConfig(filename="logs/batch_opportunity_scoring.log", level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
try:
    import core.enrichment.service  # noqa: F401
except ImportError:
    logging.getLogger("batch_opportunity_scoring").exception("scoring batch failed")
