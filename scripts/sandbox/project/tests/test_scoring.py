from core.scoring import score


def test_score_is_bounded():
    assert score("x" * 500) == 100


def test_score_counts_characters():
    assert score("abc") == 3
