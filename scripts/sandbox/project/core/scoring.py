def score(title):
    return min(100, len(title))
