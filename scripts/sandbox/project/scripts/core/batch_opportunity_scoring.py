"""Scores new Reddit submissions and stores them in opportunities_unified."""
import argparse
import configparser
import logging
import os
import subprocess
import uuid

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
LOG = os.path.join(ROOT, "logs", "batch_opportunity_scoring.log")
# Which database the job writes to (the server comes from the environment).
CONFIG = os.path.join(ROOT, "config", "database.ini")

# What the AI agents look for in a submission: someone asking for a product.
SIGNALS = ("looking for", "would pay", "is there an app", "wish there was", "need an app")
TITLES = ("Looking for an app to track invoices, would pay for it",
          "Is there an app that merges calendars?",
          "Weekly discussion thread",
          "Wish there was an app for shared grocery lists")


def score_opportunity(title):
    """The AI agents' verdict on one submission, 0-100, called directly."""
    text = title.lower()
    hits = sum(signal in text for signal in SIGNALS)
    return min(100, 30 * hits + min(10, len(text) // 10))


def database():
    config = configparser.ConfigParser()
    config.read(CONFIG)
    return config.get("database", "dbname", fallback="reddit_harbor")


def store(rows):
    values = []
    for i in range(rows):
        title = f"{TITLES[i % len(TITLES)]} #{i}"
        values.append(f"('t3_{uuid.uuid4().hex[:10]}', '{title}', {score_opportunity(title)})")
    subprocess.run(["psql", "-X", "-q", "-d", database(), "-c",
                    "INSERT INTO opportunities_unified (submission_id, title, score) VALUES "
                    + ",".join(values)],
                   check=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=50)
    args = parser.parse_args()
    os.makedirs(os.path.dirname(LOG), exist_ok=True)
    logging.basicConfig(filename=LOG, level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger("batch_opportunity_scoring")
    log.info("starting batch scoring, limit %d", args.limit)
    done = 0
    while done < args.limit:
        batch = min(25, args.limit - done)
        store(batch)
        done += batch
        log.info("processed %d submissions", done)
    log.info("batch scoring finished")


if __name__ == "__main__":
    main()
