"""Fire times from python3-croniter, the reference of cron_differential_test.

Reads lines "EXPR<TAB>YYYY-MM-DDTHH:MM<TAB>COUNT" from the file named by the
first argument and writes, for each, one line to the file named by the second:
the next COUNT fire times after the start and the previous one before it, as
"T1 T2 … | P", or "ERR <exception name>". All times are naive (UTC).
"""
import datetime
import sys

from croniter import croniter

FORMAT = "%Y-%m-%dT%H:%M"


def answer(expr, start, count):
    base = datetime.datetime.strptime(start, FORMAT)
    try:
        forward = croniter(expr, base)
        nexts = [forward.get_next(datetime.datetime).strftime(FORMAT) for _ in range(count)]
        previous = croniter(expr, base).get_prev(datetime.datetime).strftime(FORMAT)
    except Exception as error:  # the test compares the failure's kind
        return "ERR " + type(error).__name__
    return " ".join(nexts) + " | " + previous


def main():
    with open(sys.argv[1]) as requests, open(sys.argv[2], "w") as answers:
        for line in requests:
            expr, start, count = line.rstrip("\n").split("\t")
            answers.write(answer(expr, start, int(count)) + "\n")


main()
